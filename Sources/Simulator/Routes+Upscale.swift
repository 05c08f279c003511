import Foundation
import HTTPTypes
import Hummingbird
import ImageCore
import NIOCore
import VicSee

/// The upscale tool and the service's rules for image inputs, as the service's own client publishes
/// them (the catalogue's data): `POST /tools/upscale-image` `{image_url, upscale_factor}` is a task
/// polled like a generation, priced by its output (input megapixels × factor²) and refused above the
/// last tier; image inputs may be `data:` URIs; references outside the ratio or megapixel limits fail
/// their task, which is refunded.
extension Routes {
    struct UpscaleJob: Sendable {
        var id: String
        var imageURL: String
        var factor: Int
    }

    /// The most an upscale's image may weigh when fetched: the published per-reference limit.
    static let upscaleInputBytes = 30_000_000

    /// The largest request body read: enough for references sent inline as `data:` URIs (a 30 MB file is
    /// 40 MB of base64); the service publishes no limit of its own.
    static let requestBodyLimit = 48 << 20

    func upscale(_ request: Request) async -> Response {
        let key: String
        let rate: Rate
        switch await gate(request) {
        case .stop(let response): return response
        case .pass(let k, let r): (key, rate) = (k, r)
        }
        func bad(_ message: String) -> Response { Self.failure(.badRequest, "INVALID_PARAMETERS", message, rate: rate) }
        guard let tool = state.catalogue.service?.upscale else { return bad("the upscale tool is not in this simulator's catalogue") }
        guard let object = await Self.jsonObject(of: request, upTo: Self.requestBodyLimit) else {
            return Self.failure(.badRequest, "INVALID_JSON", "The request body is not valid JSON", rate: rate)
        }
        guard let url = object["image_url"] as? String, !url.isEmpty else { return bad("image_url is required") }
        let word = (object["upscale_factor"] as? String) ?? (object["upscale_factor"] as? Int).map(String.init) ?? String(tool.defaultFactor)
        guard let factor = Int(word), tool.factors.contains(factor) else {
            return bad("upscale_factor must be one of \(tool.factors.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        // The price follows the output size, so the image is read before the task is made.
        let bytes: [UInt8]
        let info: ImageInfo
        do {
            bytes = url.hasPrefix("data:") ? try inlineBytes(url, limit: Self.upscaleInputBytes) : try await fetchReference(url, limit: Self.upscaleInputBytes)
            info = try ImageProbe.probe(bytes: bytes, path: "image_url", limits: ImageLimits(maxBytes: nil, maxPixels: nil))
        } catch let problem as ReferenceProblem {
            return bad(problem.message)
        } catch {
            return bad("image_url is not a JPEG, PNG or WebP image: \(error)")
        }
        let output = tool.output(of: PixelSize(width: info.width, height: info.height), factor: factor)
        guard let cost = tool.credits(forOutput: output) else {
            let megapixels = String(format: "%.1f", Double(output.pixels) / 1_000_000)
            return bad("the output would be \(output.width)x\(output.height) (\(megapixels) MP); the upscale makes at most \(Int(tool.maxMegapixels)) MP")
        }
        let fingerprint = ["upscale", Self.fingerprint(url), String(factor)].joined(separator: "\u{1F}")
        let task = SimulatorState.Request(model: "upscale-image", prompt: "", tier: "x\(factor)", aspect: "", urls: [url], upscaleFactor: factor)
        switch await state.createTask(key: key, request: task, cost: cost, fingerprint: fingerprint) {
        case .failure(let shortfall):
            return Self.failure(.init(code: 402, reasonPhrase: "Payment Required"), "INSUFFICIENT_CREDITS",
                                "Required: \(shortfall.required), Available: \(shortfall.available)", rate: rate)
        case .success(let (record, remaining)):
            await state.keepReference(bytes, of: record.id)
            let job = UpscaleJob(id: record.id, imageURL: url, factor: factor)
            Task { await self.processUpscale(job, image: bytes) }
            if await state.takeDropSubmit() { return Self.dropped() }
            return Self.json(.ok, ["success": true, "data": [
                "id": record.id, "model": "upscale-image", "status": "pending", "creditsUsed": cost, "creditsRemaining": remaining,
                "createdAt": ISO8601DateFormatter().string(from: record.createdAt),
            ]], rate: rate)
        }
    }

    /// Works an upscale to its end: an injected failure draw (refunded), else the image enlarged by the
    /// factor (Lanczos), each edge exactly times the factor, marked as simulated.
    func processUpscale(_ job: UpscaleJob, image: [UInt8]? = nil) async {
        let latency = await state.taskLatency()
        try? await Task.sleep(for: .seconds(latency * 0.3))
        await state.markProcessing(job.id)
        try? await Task.sleep(for: .seconds(latency * 0.7))
        if await state.draw() < state.options.failureRate {
            await state.fail(job.id, code: "GENERATION_FAILED", key: "generic", message: "The upscale failed (simulated)")
            return
        }
        do {
            var bytes = image ?? []
            if image == nil { bytes = try await referenceBytes(for: job.id, at: job.imageURL, limit: Self.upscaleInputBytes) }
            let info = try ImageProbe.probe(bytes: bytes, path: "image_url", limits: ImageLimits(maxBytes: nil, maxPixels: nil))
            var options = ThumbnailOptions(width: info.width * job.factor, height: info.height * job.factor, fit: .cover, upscale: true)
            options.limits = ImageLimits(maxBytes: nil, maxPixels: nil)
            let enlarged = try Thumbnailer.thumbnail(bytes: bytes, path: "image_url", options: options).pixels.converted(to: .rgb)
            _ = await state.complete(job.id, output: try SimulatedImages.finish(enlarged))
        } catch let error as ReferenceProblem {
            await state.fail(job.id, code: error.code, key: error.code.lowercased(), message: error.message)
        } catch {
            await state.fail(job.id, code: "GENERATION_FAILED", key: "generic", message: "\(error)")
        }
    }

    /// The bytes of a `data:image/…;base64,…` URI, of a type the service inlines (the catalogue's list).
    func inlineBytes(_ uri: String, limit: Int) throws -> [UInt8] {
        let types = state.catalogue.service?.inline.contentTypes ?? []
        guard let comma = uri.firstIndex(of: ","), uri[..<comma].hasSuffix(";base64") else {
            throw ReferenceProblem(code: "INVALID_PARAMETERS", message: "a data: URI must be data:<type>;base64,<data>")
        }
        let type = String(uri[uri.index(uri.startIndex, offsetBy: 5)..<comma].dropLast(";base64".count))
        guard types.contains(type) else {
            throw ReferenceProblem(code: "INVALID_PARAMETERS", message: "a data: URI of \(type) is not an image the service takes (\(types.joined(separator: ", ")))")
        }
        guard let data = Data(base64Encoded: String(uri[uri.index(after: comma)...])) else {
            throw ReferenceProblem(code: "INVALID_PARAMETERS", message: "the data: URI is not valid base64")
        }
        guard data.count <= limit else {
            throw ReferenceProblem(code: "IMAGE_TOO_LARGE", message: "the inline image is \(data.count) bytes; at most \(limit)")
        }
        return Array(data)
    }

    /// Refuses a reference the service's published limits refuse: width ÷ height outside the range, or
    /// more megapixels than allowed. The failed task is refunded, with the published error shape
    /// (IMAGE_TOO_LARGE for size; the generic code, with the reason, for the ratio).
    func checkLimits(of reference: [UInt8], _ limits: ModelSpec.ReferenceLimits) throws {
        guard let info = try? ImageProbe.probe(bytes: reference, path: "reference", limits: ImageLimits(maxBytes: nil, maxPixels: nil)) else { return }
        for violation in limits.violations(width: info.width, height: info.height, bytes: nil) {
            switch violation {
            case .megapixels: throw ReferenceProblem(code: "IMAGE_TOO_LARGE", message: "Input image: \(violation)")
            case .ratio, .bytes: throw ReferenceProblem(code: "GENERATION_FAILED", message: "Input image: \(violation)")
            }
        }
    }

    /// A URL as the duplicate-submit counter keys it: a `data:` URI by a hash of its text (FNV-1a).
    static func fingerprint(_ url: String) -> String {
        guard url.hasPrefix("data:") else { return url }
        let hash = url.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return "data:" + String(hash, radix: 16)
    }
}
