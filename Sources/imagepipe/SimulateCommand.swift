import ArgumentParser
import Foundation
import Simulator
import VicSee

extension SimulatorOptions.SubmitShape: ExpressibleByArgument {}
extension SimulatorOptions.Account.Plan: ExpressibleByArgument {}

extension SimulatorOptions.Downgrade: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `imagepipe simulate`: the simulated service on its own.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the simulated VicSee service on 127.0.0.1 until stopped.",
        discussion: """
            Speaks the service's HTTP API (submit, poll, download, credits, models, the upload of \
            references with its presigned PUT, data: URIs, the upscale tool) and makes real images of the \
            catalogue's sizes, striped along the top and labelled in their metadata as simulated. Point a \
            client at the printed base URL with the printed key.

            Task durations: --latency alone makes every task take that long; --latency-range 20-90 draws \
            each from that range; --latency-spread 0.25 varies each around --latency (log-normal, clamped \
            to the range when given). --time-scale 0.1 runs them all ten times faster (a benchmark; run \
            the client with the same --time-scale).

            Examples:
              imagepipe simulate --port 8080
              imagepipe simulate --failure-rate 0.1 --latency 2 --submit-shape flat
              imagepipe simulate --downgrade 1K
              imagepipe simulate --latency 50 --latency-spread 0.25 \\
                  --latency-range 20-90 --time-scale 0.1
            """)

    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 8080

    @Option(help: "Seconds a task takes (the typical one, with --latency-spread).")
    var latency: Double = 1.5

    @Option(help: ArgumentHelp("Vary each task's duration log-normally around --latency by this standard deviation of its logarithm.",
                               valueName: "sigma"))
    var latencySpread: Double = 0

    @Option(help: ArgumentHelp("Shortest and longest task, in seconds (drawn evenly from it without --latency-spread).", valueName: "min-max"))
    var latencyRange: String?

    @Option(help: "Multiply every task's duration (0.1: ten times faster).")
    var timeScale: Double = 1

    @Option(help: ArgumentHelp("Seconds an upload URL from POST /upload stays valid.", valueName: "seconds"))
    var uploadLifetime: Double = 3600

    @Option(help: "Fraction of tasks that fail and are refunded (0-1).")
    var failureRate: Double = 0

    @Option(help: "Shape of a submit's answer: envelope or flat.")
    var submitShape: SimulatorOptions.SubmitShape = .envelope

    @Option(help: "Status word of a finished task: completed or success.")
    var successWord: String = "completed"

    @Option(help: "Seconds a result URL stays valid.")
    var urlLifetime: Double = 3600

    @Option(help: "Credits of the demo account.")
    var credits: Int = 1000

    @Option(help: "Plan of the demo account: starter (100 requests a day), pro (500) or enterprise (unlimited).")
    var plan: SimulatorOptions.Account.Plan = .pro

    @Flag(help: "Cut every download short, to exercise verification.")
    var truncateDownloads = false

    @Flag(help: "Make outputs 10 % smaller than the catalogue says, to exercise verification.")
    var wrongSize = false

    @Option(help: ArgumentHelp("Hold each submit's answer back this long after its task is made (and charged).", valueName: "seconds"))
    var holdSubmits: Double = 0

    @Option(help: ArgumentHelp("Keep tasks, balances and outputs in this folder, so a restart knows them.", valueName: "dir"))
    var state: String?
    @Option(help: ArgumentHelp(
        "Downgrade outputs silently, charging the tier asked for: a tier (1K: requests above it get its size) or a size (1024x1024: every request).",
        valueName: "tier-or-size"))
    var downgrade: SimulatorOptions.Downgrade?

    @OptionGroup var catalogue: CatalogueOptions

    func validate() throws {
        guard (0...1).contains(failureRate) else {
            throw ValidationError("expected a fraction from 0 to 1 for --failure-rate but received \(failureRate)")
        }
        guard ["completed", "success"].contains(successWord) else {
            throw ValidationError("expected completed or success for --success-word but received '\(successWord)'")
        }
        if let latencyRange, Self.range(latencyRange) == nil {
            throw ValidationError("expected MIN-MAX seconds such as 20-90 for --latency-range but received '\(latencyRange)'")
        }
        guard latencySpread >= 0, timeScale > 0, uploadLifetime > 0 else {
            throw ValidationError("--latency-spread must be at least 0, --time-scale and --upload-lifetime more than 0")
        }
    }

    func run() async throws {
        var options = SimulatorOptions()
        options.latency = latency
        options.failureRate = failureRate
        options.submitShape = submitShape
        options.successWord = successWord
        options.resultURLLifetime = urlLifetime
        options.truncateDownloads = truncateDownloads
        options.wrongSizeOutputs = wrongSize
        options.submitHold = holdSubmits
        options.stateDirectory = state
        options.downgrade = downgrade
        options.latencySpread = latencySpread
        options.latencyRange = latencyRange.flatMap(Self.range)
        options.timeScale = timeScale
        options.uploadLifetime = uploadLifetime
        options.accounts = [SimulatorOptions.demoKey: .init(plan: plan, credits: credits)]
        let server = try await SimulatorServer.start(options: options, catalogue: try catalogue.load(), port: port)
        print("VicSee simulator (not the real service) listening at \(server.baseURL)")
        print("API key: \(SimulatorOptions.demoKey)   credits: \(credits)   counters: http://127.0.0.1:\(server.port)/_simulator/counters")
        print("Try: VICSEE_API_KEY=\(SimulatorOptions.demoKey) imagepipe generate --backend vicsee --base-url \(server.baseURL) --model gpt-image-2-text-to-image --prompt 'a red mug'")
        fflush(nil)  // a caller reading the address through a pipe must see it now, not at exit
        try await server.wait()
    }

    /// `20-90` as a range of seconds.
    static func range(_ text: String) -> ClosedRange<Double>? {
        let ends = text.split(separator: "-").compactMap { Double($0) }
        guard ends.count == 2, ends[0] >= 0, ends[0] <= ends[1] else { return nil }
        return ends[0]...ends[1]
    }
}
