import ArgumentParser
import Foundation
import Simulator
import VicSee

extension SimulatorOptions.SubmitShape: ExpressibleByArgument {}

extension SimulatorOptions.Downgrade: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `imagepipe simulate`: the simulated service on its own.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the simulated VicSee service on 127.0.0.1 until stopped.",
        discussion: """
            Speaks the service's HTTP API (submit, poll, download, credits, models) and makes real images of \
            the catalogue's sizes, striped along the top and labelled in their metadata as simulated. Point \
            a client at the printed base URL with the printed key.

            Examples:
              imagepipe simulate --port 8080
              imagepipe simulate --failure-rate 0.1 --latency 2 --submit-shape flat
              imagepipe simulate --downgrade 1K
            """)

    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 8080

    @Option(help: "Seconds a task takes.")
    var latency: Double = 1.5

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
        options.accounts = [SimulatorOptions.demoKey: .init(plan: .pro, credits: credits)]
        let server = try await SimulatorServer.start(options: options, catalogue: try catalogue.load(), port: port)
        print("VicSee simulator (not the real service) listening at \(server.baseURL)")
        print("API key: \(SimulatorOptions.demoKey)   credits: \(credits)   counters: http://127.0.0.1:\(server.port)/_simulator/counters")
        print("Try: VICSEE_API_KEY=\(SimulatorOptions.demoKey) imagepipe generate --backend vicsee --base-url \(server.baseURL) --model gpt-image-2-text-to-image --prompt 'a red mug'")
        fflush(nil)  // a caller reading the address through a pipe must see it now, not at exit
        try await server.wait()
    }
}
