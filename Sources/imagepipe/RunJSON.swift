import Pipeline
import VicSee

/// The JSON Lines of `run --json` and `plan --json`: one object per line, each with `schema` (the
/// format's name and version) and `event`. The README's tables list every field of every event; a test
/// holds them to what these functions write. The version's number changes only when a field is removed,
/// renamed, or changes its type or meaning; fields may be added within a version.
enum RunJSON {
    static let runSchema = "imagepipe.run/1"
    static let planSchema = "imagepipe.plan/1"

    /// `start`: what runs, before any item.
    static func start(schema: String, pipeline: PipelineSpec, file: String, items: Int, backend: String?) -> JSONLine {
        var json = head(schema, "start")
        json.add("pipeline", pipeline.name)
        json.add("file", file)
        json.add("output", pipeline.outputDirectory)
        json.add("model", pipeline.generate?.model)
        if schema == runSchema { json.add("backend", backend) }
        json.add("items", items)
        return json
    }

    /// `input`: an input pattern that matched nothing.
    static func input(schema: String, _ problem: ItemProblem) -> JSONLine {
        var json = head(schema, "input")
        json.add("pattern", problem.subject)
        json.add("problems", json: problems([problem]))
        return json
    }

    /// `step`: an item at a step of a run, with the run's progress at that moment.
    static func step(_ event: RunEvent) -> JSONLine {
        var json = head(runSchema, "step")
        json.add("item", event.item)
        json.add("step", event.step)
        json.add("state", event.state.rawValue)
        json.add("credits", event.credits)
        json.add("task", event.task)
        json.add("output", event.output)
        json.add("message", event.message)
        json.add("problems", json: problems(event.problems))
        json.add("done", event.progress.finished)
        json.add("total", event.progress.total)
        json.add("inFlight", event.progress.inFlight)
        json.add("failed", event.progress.failed)
        json.add("creditsSoFar", event.progress.credits)
        return json
    }

    /// `item`: what a run would do with one item, and what it would cost.
    static func item(_ item: PlanItem) -> JSONLine {
        var json = head(planSchema, "item")
        json.add("item", item.name)
        json.add("input", item.input)
        json.add("state", item.state.rawValue)
        json.add("ratio", item.ratio)
        if let distortion = item.distortion { json.add("distortion", distortion) } else { json.add("distortion", json: "null") }
        json.add("tier", item.tier?.rawValue)
        json.add("credits", item.credits)
        if let upscale = item.upscale {
            var object = JSONLine()
            object.add("factor", upscale.factor)
            object.add("output", upscale.output.description)
            object.add("credits", upscale.credits)
            json.add("upscale", json: text(object))
        } else {
            json.add("upscale", json: "null")
        }
        json.add("sameContentAs", item.sameContentAs)
        json.add("problems", json: problems(item.problems))
        return json
    }

    /// `summary` of a run: the last line, also when the run was interrupted.
    static func summary(_ summary: RunSummary, exitCode: Int32) -> JSONLine {
        var json = head(runSchema, "summary")
        json.add("items", summary.items.count)
        json.add("done", summary.items.count - summary.unfinished.count)
        json.add("credits", summary.creditsCommitted)
        json.add("report", summary.reportProblem == nil ? summary.reportPath : nil)
        json.add("sheet", summary.reportProblem == nil ? summary.htmlPath : nil)
        json.add("stop", summary.stop.map(stopWord))
        let unfinished = summary.unfinished.map { item in
            var object = JSONLine()
            object.add("item", item.name)
            object.add("state", item.state.rawValue)
            object.add("problems", json: problems(item.problems))
            return text(object)
        }
        json.add("unfinished", json: "[" + unfinished.joined(separator: ",") + "]")
        json.add("unjournaled", json: "[" + summary.unjournaled.map { task in
            var object = JSONLine()
            object.add("item", task.item)
            object.add("task", task.taskID)
            return text(object)
        }.joined(separator: ",") + "]")
        json.add("exit", Int(exitCode))
        return json
    }

    /// `summary` of a plan: the totals.
    static func summary(_ plan: Plan, exitCode: Int32) -> JSONLine {
        var json = head(planSchema, "summary")
        json.add("items", plan.items.count)
        json.add("credits", plan.totalCredits)
        json.add("dollars", plan.dollars)
        json.add("requests", plan.requests?.total)
        json.add("requestsRemaining", plan.requests.flatMap { $0.remainingToday() })
        json.add("exit", Int(exitCode))
        return json
    }

    private static func head(_ schema: String, _ event: String) -> JSONLine {
        var json = JSONLine()
        json.add("schema", schema)
        json.add("event", event)
        return json
    }

    private static func stopWord(_ stop: RunStop) -> String {
        switch stop {
        case .interrupted: "interrupted"
        case .journalFailed: "journal"
        }
    }

    /// Problems as an array of `{kind, subject, reason}`.
    static func problems(_ problems: [ItemProblem]) -> String {
        "[" + problems.map { problem in
            var object = JSONLine()
            object.add("kind", problem.kind.rawValue)
            object.add("subject", problem.subject)
            object.add("reason", problem.reason)
            return text(object)
        }.joined(separator: ",") + "]"
    }

    private static func text(_ json: JSONLine) -> String { String(decoding: json.line, as: UTF8.self) }
}
