import AsyncHTTPClient
import Foundation
import Hummingbird
import ImageCore
import NIOCore
import VicSee

extension Routes {
    typealias Rate = (limit: Int?, remaining: Int?)

    /// Runs the gate; on refusal the answer to send instead.
    private func admitted(_ request: Request) async -> (key: String, rate: Rate)? {
        if case .pass(let key, let rate) = await gate(request) { return (key, rate) }
        return nil
    }

    private func refusal(_ request: Request) async -> Response? {
        switch await gate(request) {
        case .stop(let response): response
        case .pass: nil
        }
    }

    func generate(_ request: Request) async -> Response {
        let key: String
        let rate: Rate
        switch await gate(request) {
        case .stop(let response): return response
        case .pass(let k, let r): (key, rate) = (k, r)
        }
        func bad(_ code: String, _ message: String) -> Response { Self.failure(.badRequest, code, message, rate: rate) }
        guard let object = await Self.jsonObject(of: request, upTo: Self.requestBodyLimit) else {
            return bad("INVALID_JSON", "The request body is not valid JSON")
        }
        guard let model = object["model"] as? String, !model.isEmpty else { return bad("MISSING_MODEL", "model is required") }
        // Both published shapes: {"model", "input": {...}} and {"model", "prompt", "options": {...}}.
        let input = object["input"] as? [String: Any]
        let options = object["options"] as? [String: Any]
        guard let spec = state.catalogue.model(model) else { return bad("INVALID_MODEL", "Unknown model: \(model)") }
        guard let prompt = (input?["prompt"] ?? object["prompt"]) as? String, !prompt.isEmpty else {
            return bad("MISSING_PROMPT", "prompt is required")
        }
        let resolution = (input?["resolution"] ?? options?["resolution"]) as? String ?? spec.defaultResolution.rawValue
        let aspect = (input?["aspect_ratio"] ?? options?["aspectRatio"]) as? String ?? spec.defaultAspectRatio
        let urls = (input?["image_urls"] ?? object["image_urls"]) as? [String] ?? []
        guard (spec.prompt.min...spec.prompt.max).contains(prompt.count) else {
            return bad("INVALID_PARAMETERS", "prompt must be \(spec.prompt.min) to \(spec.prompt.max) characters")
        }
        guard spec.aspectRatios.contains(aspect) else {
            return bad("INVALID_PARAMETERS", "aspect_ratio must be one of \(spec.aspectRatios.joined(separator: ", "))")
        }
        guard let tier = ResolutionTier(resolution), spec.resolutions.contains(tier) else {
            return bad("INVALID_PARAMETERS", "resolution must be one of \(spec.resolutions.map(\.rawValue).joined(separator: ", "))")
        }
        guard urls.count >= spec.references.min else { return bad("INVALID_PARAMETERS", "image_urls is required for \(model)") }
        guard urls.count <= spec.references.max else {
            return bad("INVALID_PARAMETERS", "at most \(spec.references.max) image_urls for \(model)")
        }
        let cost = spec.credits(for: tier) ?? 0
        let fingerprint = [model, prompt, resolution, aspect, urls.map(Self.fingerprint).joined(separator: " ")].joined(separator: "\u{1F}")
        let request = SimulatorState.Request(model: model, prompt: prompt, tier: tier.rawValue, aspect: aspect, urls: urls)
        switch await state.createTask(key: key, request: request, cost: cost, fingerprint: fingerprint) {
        case .failure(let shortfall):
            return Self.failure(.init(code: 402, reasonPhrase: "Payment Required"), "INSUFFICIENT_CREDITS",
                                "Required: \(shortfall.required), Available: \(shortfall.available)", rate: rate)
        case .success(let (record, remaining)):
            // An inline reference is kept at once: the log keeps only its head, so a restarted simulator
            // finds its bytes here.
            if let first = urls.first, first.hasPrefix("data:"), let bytes = try? inlineBytes(first, limit: spec.references.maxBytes) {
                await state.keepReference(bytes, of: record.id)
            }
            let job = Job(id: record.id, spec: spec, prompt: prompt, tier: tier, aspect: aspect, urls: urls)
            Task { await self.process(job) }
            let hold = await state.options.submitHold
            if hold > 0 { try? await Task.sleep(for: .seconds(hold)) }
            if await state.takeDropSubmit() { return Self.dropped() }
            let shape = await state.options.submitShape
            switch shape {
            case .flat:
                return Self.json(.ok, ["task_id": record.id, "status": "pending"], rate: rate)
            case .envelope:
                return Self.json(.ok, ["success": true, "data": [
                    "id": record.id, "model": model, "status": "pending", "creditsUsed": cost, "creditsRemaining": remaining,
                    "createdAt": ISO8601DateFormatter().string(from: record.createdAt),
                ]], rate: rate)
            }
        }
    }

    struct Job: Sendable {
        var id: String
        var spec: ModelSpec
        var prompt: String
        var tier: ResolutionTier
        var aspect: String
        var urls: [String]
    }

    /// Works a task to its end: the service's own rules first (refunded when broken), then an injected
    /// failure draw, then a real image of the catalogue's size.
    func process(_ job: Job) async {
        let latency = await state.taskLatency()
        try? await Task.sleep(for: .seconds(latency * 0.3))
        await state.markProcessing(job.id)
        try? await Task.sleep(for: .seconds(latency * 0.7))
        if let rule = job.spec.constraints.first(where: { $0.aspectRatio == job.aspect }), !rule.resolutions.contains(job.tier) {
            await state.fail(job.id, code: "INVALID_PARAMETERS", key: "invalid_parameters", message: rule.reason)
            return
        }
        if await state.draw() < state.options.failureRate {
            await state.fail(job.id, code: "GENERATION_FAILED", key: "generic", message: "The generation failed (simulated)")
            return
        }
        do {
            var reference: [UInt8]?
            if let url = job.urls.first {
                let bytes = try await referenceBytes(for: job.id, at: url, limit: job.spec.references.maxBytes)
                try checkLimits(of: bytes, job.spec.references)
                reference = bytes
            }
            var aspect = job.aspect
            if aspect == "auto", let reference, let info = try? ImageProbe.probe(bytes: reference, path: "reference", limits: ImageLimits(maxPixels: nil)),
                let nearest = AspectRatio.nearest(toWidth: info.width, height: info.height, among: job.spec.fixedRatios)
            {
                aspect = nearest.ratio.description
            }
            guard var size = Self.outputSize(job.spec, aspect: aspect, tier: job.tier) else {
                await state.fail(job.id, code: "GENERATION_FAILED", key: "generic", message: "no output size for \(aspect) at \(job.tier.rawValue)")
                return
            }
            switch await state.options.downgrade {
            case .tier(let lower)? where lower < job.tier:
                size = Self.outputSize(job.spec, aspect: aspect, tier: lower) ?? size
            case .size(let fixed)?:
                size = fixed
            default:
                break
            }
            if await state.options.wrongSizeOutputs { size = PixelSize(width: size.width * 9 / 10, height: size.height * 9 / 10) }
            let picture = try reference.map { try SimulatedImages.edit(reference: $0, prompt: job.prompt, width: size.width, height: size.height) }
                ?? SimulatedImages.render(prompt: job.prompt, width: size.width, height: size.height)
            _ = await state.complete(job.id, output: try SimulatedImages.finish(picture))
        } catch let error as ReferenceProblem {
            await state.fail(job.id, code: error.code, key: error.code.lowercased(), message: error.message)
        } catch {
            await state.fail(job.id, code: "GENERATION_FAILED", key: "generic", message: "\(error)")
        }
    }

    /// The catalogue's size for the ratio and tier (the 1:1 size when the ratio has none listed).
    static func outputSize(_ spec: ModelSpec, aspect: String, tier: ResolutionTier) -> PixelSize? {
        (spec.outputSize(aspect: AspectChoice(aspect) ?? .auto, tier: tier)
            ?? spec.outputSize(aspect: .ratio(AspectRatio(width: 1, height: 1)), tier: tier))?.size
    }

    struct ReferenceProblem: Error {
        var code: String
        var message: String
    }

    /// Fetches a reference the way the real service must: over HTTP, from the URL it was given.
    func fetchReference(_ url: String, limit: Int) async throws -> [UInt8] {
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        } catch {
            throw ReferenceProblem(code: "GENERATION_FAILED", message: "cannot fetch the reference \(url): \(error)")
        }
        guard response.status == .ok else {
            throw ReferenceProblem(code: "GENERATION_FAILED", message: "the reference \(url) answered \(response.status.code)")
        }
        guard let body = try? await response.body.collect(upTo: limit) else {
            throw ReferenceProblem(code: "IMAGE_TOO_LARGE", message: "the reference \(url) is larger than \(limit) bytes")
        }
        return Array(buffer: body)
    }

    func taskStatus(_ request: Request, id: String) async -> Response {
        let key: String
        let rate: Rate
        switch await gate(request) {
        case .stop(let response): return response
        case .pass(let k, let r): (key, rate) = (k, r)
        }
        if await state.takeDropRead() { return Self.dropped() }
        guard let record = await state.task(id) else {
            return Self.failure(.notFound, "TASK_NOT_FOUND", "Task not found: \(id)", rate: rate)
        }
        guard record.owner == key else { return Self.failure(.forbidden, "FORBIDDEN", "This task belongs to another user", rate: rate) }
        var object: [String: Any] = [
            "id": record.id, "model": record.model, "status": record.status, "mediaType": "image", "prompt": record.prompt,
            "createdAt": ISO8601DateFormatter().string(from: record.createdAt), "result": NSNull(), "error": NSNull(),
        ]
        if let token = record.resultToken { object["result"] = ["url": fileURL(token), "type": "image"] }
        if let code = record.errorCode {
            object["error"] = ["code": code, "key": record.errorKey ?? "generic", "message": record.errorMessage ?? ""]
        }
        return Self.json(.ok, ["success": true, "data": object], rate: rate)
    }

    func download(_ request: Request, id: String) async -> Response {
        let key: String
        let rate: Rate
        switch await gate(request) {
        case .stop(let response): return response
        case .pass(let k, let r): (key, rate) = (k, r)
        }
        guard let record = await state.task(id) else {
            return Self.failure(.notFound, "TASK_NOT_FOUND", "Task not found: \(id)", rate: rate)
        }
        guard record.owner == key else { return Self.failure(.forbidden, "FORBIDDEN", "This task belongs to another user", rate: rate) }
        guard let output = await state.output(of: id), let token = await state.freshToken(for: id) else {
            return Self.failure(.notFound, "NO_RESULT", "The task has no result", rate: rate)
        }
        if request.uri.query?.contains("mode=proxy") == true {
            return await imageResponse(output)
        }
        let expires = Date().addingTimeInterval(await state.options.resultURLLifetime)
        return Self.json(.ok, ["success": true, "data": [
            "url": fileURL(token), "type": "image", "expiresAt": ISO8601DateFormatter().string(from: expires),
        ]], rate: rate)
    }

    func credits(_ request: Request) async -> Response {
        switch await gate(request) {
        case .stop(let response): return response
        case .pass(let key, let rate):
            if await state.takeDropRead() { return Self.dropped() }
            let credits = await state.account(key)?.credits ?? 0
            return Self.json(.ok, ["success": true, "data": ["credits": credits]], rate: rate)
        }
    }

    func file(_ name: String) async -> Response {
        let token = name.hasSuffix(".png") ? String(name.dropLast(4)) : name
        guard let file = await state.file(token), let bytes = await state.output(of: file.task) else {
            return Response(status: .notFound, body: ResponseBody(byteBuffer: ByteBuffer(string: "NoSuchKey")))
        }
        guard file.expires > Date() else {
            return Response(status: .forbidden, body: ResponseBody(byteBuffer: ByteBuffer(string: "Request has expired")))
        }
        await state.countFileDownload()
        return await imageResponse(bytes)
    }

    /// The image bytes, cut short when the truncated-downloads fault is on.
    func imageResponse(_ bytes: [UInt8]) async -> Response {
        let truncate = await state.options.truncateDownloads
        let served = truncate ? Array(bytes[0..<(bytes.count * 6 / 10)]) : bytes
        return Response(status: .ok, headers: [.contentType: "image/png"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: served)))
    }

    func countersResponse() async -> Response {
        let counters = await state.counters
        return Self.json(.ok, ["submits": counters.submits, "charges": counters.charges, "refunds": counters.refunds,
                               "creditsCharged": counters.creditsCharged, "requests": counters.requests,
                               "rejected": counters.rejected, "uploadsSigned": counters.uploadsSigned,
                               "uploadsStored": counters.uploadsStored, "upscales": counters.upscales,
                               "fileDownloads": counters.fileDownloads])
    }

    func fileURL(_ token: String) -> String {
        "http://127.0.0.1:\(port.withLock { $0 })/files/\(token).png"
    }
}
