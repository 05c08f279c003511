import Foundation
import Testing

/// The cluster files in deploy/ cannot run here; these checks keep them valid: the Indexed Job's YAML
/// parses (PyYAML, installed by scripts/test.sh) and agrees with itself, its pipeline parses, and the
/// sbatch script is valid bash.
@Suite struct DeployTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Runs a program with arguments; its status and standard output and error together.
    static func execute(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let pipe = Pipe()
        (process.standardOutput, process.standardError) = (pipe, pipe)
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func theIndexedJobIsValidAndCountsItsShardsOnce() throws {
        let yaml = Self.repository + "/deploy/kubernetes/thumbnails-indexed-job.yaml"
        let directory = NSTemporaryDirectory() + "imagepipe-deploy-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Prints the facts the test checks, one per line, and writes the ConfigMap's pipeline out.
        let script = """
            import sys, yaml
            config, job = list(yaml.safe_load_all(open(sys.argv[1])))
            assert config["kind"] == "ConfigMap" and job["kind"] == "Job" and job["apiVersion"] == "batch/v1"
            spec = job["spec"]
            container = spec["template"]["spec"]["containers"][0]
            env = {e["name"]: e["value"] for e in container["env"]}
            print(spec["completionMode"], spec["completions"], env["IMAGEPIPE_SHARD_COUNT"], " ".join(container["args"]))
            open(sys.argv[2], "w").write(config["data"]["thumbnails.pipe"])
            """
        let result = try Self.execute("python3", ["-c", script, yaml, directory + "/thumbnails.pipe"])
        #expect(result.status == 0, "\(result.output)")
        let words = result.output.split(separator: " ").map(String.init)
        #expect(words.count > 3 && words[0] == "Indexed" && words[1] == words[2], "\(result.output)")
        #expect(result.output.contains("run /etc/imagepipe/thumbnails.pipe --shard auto"))
        // The pipeline parses (exit 2 otherwise): plan's only complaint is that /data/photos/ is not here.
        let plan = try CommandLineTests.run(["plan", directory + "/thumbnails.pipe"])
        #expect(plan.status == 1, "\(plan.stderr)")
        #expect(plan.stdout.hasPrefix("pipeline thumbnails: 1 item(s)\n") && plan.stdout.contains("No such file or directory"))
    }

    @Test func theSbatchScriptIsValidBash() throws {
        let script = Self.repository + "/deploy/slurm/thumbnails.sbatch"
        let result = try Self.execute("bash", ["-n", script])
        #expect(result.status == 0, "\(result.output)")
        let text = try String(contentsOfFile: script, encoding: .utf8)
        #expect(text.contains("#SBATCH --array=0-") && text.contains("--shard auto"))
    }
}
