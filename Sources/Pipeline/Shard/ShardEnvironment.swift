import Foundation

/// `--shard auto`: the shard a batch engine gave this process, from the variables the engine sets, so
/// that one Job or array definition serves every shard.
///
/// - Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` (0 …); Kubernetes exposes no count, so
///   `IMAGEPIPE_SHARD_COUNT` (the Job's `completions`) must say it.
/// - Slurm job array: `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT`; an array that does not start at
///   0 or steps (`--array=1-8`, `--array=0-30:2`) is numbered from `SLURM_ARRAY_TASK_MIN` by
///   `SLURM_ARRAY_TASK_STEP`.
/// - AWS Batch array job: `AWS_BATCH_JOB_ARRAY_INDEX` (0 …), with `IMAGEPIPE_SHARD_COUNT` (the array size).
///
/// `IMAGEPIPE_SHARD_COUNT`, when set, overrides any engine's count.
public enum ShardEnvironment {
    public static let countVariable = "IMAGEPIPE_SHARD_COUNT"
    public static let indexVariables = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "AWS_BATCH_JOB_ARRAY_INDEX"]

    /// The shard, and what was read to find it (`JOB_COMPLETION_INDEX=3, IMAGEPIPE_SHARD_COUNT=8`), for
    /// the process to say on standard error.
    public static func shard(from environment: [String: String]) throws(ShardError) -> (shard: Shard, read: String) {
        guard let indexVariable = indexVariables.first(where: { environment[$0] != nil }) else { throw .noEngine }
        var read = ["\(indexVariable)=\(environment[indexVariable]!)"]
        var index = try number(indexVariable, in: environment)!
        var count: Int?
        if indexVariable == "SLURM_ARRAY_TASK_ID" {
            count = try number("SLURM_ARRAY_TASK_COUNT", in: environment)
            if count != nil { read.append("SLURM_ARRAY_TASK_COUNT=\(environment["SLURM_ARRAY_TASK_COUNT"]!)") }
            if let minimum = try number("SLURM_ARRAY_TASK_MIN", in: environment), minimum != 0 {
                index -= minimum
                read.append("SLURM_ARRAY_TASK_MIN=\(minimum)")
            }
            if let step = try number("SLURM_ARRAY_TASK_STEP", in: environment), step > 1 {
                index /= step
                read.append("SLURM_ARRAY_TASK_STEP=\(step)")
            }
        }
        if let override = try number(countVariable, in: environment) {
            count = override
            read.append("\(countVariable)=\(override)")
        }
        guard let count else { throw .noCount(indexVariable: indexVariable) }
        return (try Shard(index: index, count: count), read.joined(separator: ", "))
    }

    private static func number(_ variable: String, in environment: [String: String]) throws(ShardError) -> Int? {
        guard let text = environment[variable] else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else { throw .notANumber(variable: variable, value: text) }
        return value
    }
}
