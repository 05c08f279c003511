import ArgumentParser
import Foundation
import Pipeline

/// `--shard K/N|auto`: this process takes only its share of the files, so that N processes (pods, array
/// tasks) split a batch without talking to each other (see `Shard`).
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Take only shard K of N of the files (K from 0 to N-1, by a stable hash of each file's path below its \
        input folder), or auto: from JOB_COMPLETION_INDEX (Kubernetes), SLURM_ARRAY_TASK_ID/COUNT (Slurm) or \
        AWS_BATCH_JOB_ARRAY_INDEX, with the count from IMAGEPIPE_SHARD_COUNT.
        """, valueName: "K/N|auto"))
    var shard: String?

    func validate() throws {
        guard let shard, shard != "auto" else { return }
        do { _ = try Shard(parsing: shard) } catch { throw ValidationError("\(error)") }
    }

    /// The shard to take, nil without `--shard`. `auto` says on standard error what it read, and exits 2
    /// when the variables name no shard.
    func selected() throws -> Shard? {
        guard let shard else { return nil }
        do {
            guard shard == "auto" else { return try Shard(parsing: shard) }
            let (found, read) = try ShardEnvironment.shard(from: ProcessInfo.processInfo.environment)
            printError("shard: \(found) (auto: \(read))")
            return found
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
    }
}
