import AsyncHTTPClient
import Foundation
import ImageCore
import NIOCore
import Simulator
import Testing
@testable import VicSee

/// The calls the service's own client publishes (API.md "Published since"), by the real client against
/// the real simulator on loopback: the upload with its presigned PUT, `data:` URIs, the reference limits
/// with the service's error shape, and the upscale tool with its credit tiers and its faults.
@Suite struct UploadUpscaleContractTests {
    let gpt = Harness.catalogue.model("gpt-image-2-image-to-image")!
    let uploadLimits = Harness.catalogue.service!.upload

    /// A PNG of flat grey (cheap to make at any size).
    static func png(_ width: Int, _ height: Int, grey: UInt8 = 128) throws -> [UInt8] {
        let pixels = PixelBuffer(width: width, height: height, layout: .grey, pixels: [UInt8](repeating: grey, count: width * height))
        return try ImageEncoder.encode(pixels, as: .png, options: EncodeOptions(compressionLevel: 1))
    }

    /// A PNG with some detail (not blank).
    static func picture(_ width: Int, _ height: Int) throws -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                (pixels[i], pixels[i + 1], pixels[i + 2]) = (UInt8(x & 255), UInt8(y & 255), UInt8((x + y) & 255))
            }
        }
        return try ImageEncoder.encode(PixelBuffer(width: width, height: height, layout: .rgb, pixels: pixels), as: .png)
    }

    static func dataURI(_ bytes: [UInt8], type: String = "image/png") -> String {
        "data:\(type);base64," + Data(bytes).base64EncodedString()
    }

    static func get(_ url: String) async throws -> (status: Int, body: [UInt8]) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return (Int(response.status.code), Array(buffer: try await response.body.collect(upTo: 1 << 26)))
    }

    @Test func anUploadIsPutThenFetchedByTheService() async throws {
        try await Harness.run { server, client in
            let bytes = try Self.picture(300, 200)
            let ticket = try await client.upload(bytes, contentType: "image/png", limits: uploadLimits)
            #expect(ticket.uploadURL.contains("/storage/put/") && !ticket.key.isEmpty)
            #expect(try #require(ticket.expiresAt.flatMap(VicSeeClient.parseDate)).timeIntervalSinceNow > 3000)
            #expect(try await Self.get(ticket.publicURL).body == bytes)
            let request = GenerationRequest(model: gpt.id, prompt: "on oak", imageURLs: [ticket.publicURL], aspect: .ratio(AspectRatio(width: 3, height: 2)))
            let done = try await client.waitForCompletion(try await client.submit(request, spec: gpt).taskID)
            #expect(done.state == .completed)
            let counters = await server.counters()
            #expect(counters.uploadsSigned == 1 && counters.uploadsStored == 1 && counters.charges == 1)
            // POST /upload is an API request (counted against the daily limit); the PUT goes to storage.
            #expect(client.rateLimit?.remaining != nil)
        }
    }

    @Test func theUploadRefusesWhatItWasNotSignedFor() async throws {
        try await Harness.run { server, client in
            let bytes = try Self.png(20, 20)
            // A content type the service does not allow: the service's 400.
            await #expect(throws: ServiceError.badRequest(code: "INVALID_PARAMETERS",
                                                          message: "contentType must be one of \(uploadLimits.contentTypes.joined(separator: ", "))")) {
                try await client.requestUpload(contentType: "image/tiff", sizeBytes: 10)
            }
            // Without a key: 401, as every call but /models.
            let anonymous = try await Harness.raw(.POST, server.baseURL + "/upload", body: #"{"contentType": "image/png", "sizeBytes": 5}"#)
            #expect(anonymous.status == 401 && Harness.code(anonymous.json) == "MISSING_AUTH_HEADER")
            // Another content type, or another size, than the one signed: refused by storage.
            let ticket = try await client.requestUpload(contentType: "image/png", sizeBytes: bytes.count)
            await #expect(throws: UploadError.self) { try await client.put(bytes, contentType: "image/jpeg", to: ticket) }
            do {
                try await client.put(Array(bytes.dropLast()), contentType: "image/png", to: ticket)
                Issue.record("a body of another size was stored")
            } catch UploadError.putRefused(let status, let detail) {
                #expect(status == 400 && detail.contains("BadDigest"))
            }
            try await client.put(bytes, contentType: "image/png", to: ticket)
            // Spent once used.
            await #expect(throws: UploadError.self) { try await client.put(bytes, contentType: "image/png", to: ticket) }
            #expect(await server.counters().uploadsStored == 1)
        }
    }

    /// An upload URL is refused once its `expiresAt` has passed (waited for by the time it states, so
    /// a slow machine cannot make the test pass or fail early).
    @Test func anUploadURLExpires() async throws {
        try await Harness.run(configure: { $0.uploadLifetime = 1 }) { server, client in
            let bytes = try Self.png(20, 20)
            let late = try await client.requestUpload(contentType: "image/png", sizeBytes: bytes.count)
            let expiry = try #require(late.expiresAt.flatMap(VicSeeClient.parseDate))
            try await Task.sleep(for: .seconds(max(0, expiry.timeIntervalSinceNow) + 1.1))
            do {
                try await client.put(bytes, contentType: "image/png", to: late)
                Issue.record("an expired upload URL was accepted")
            } catch UploadError.putRefused(let status, let detail) {
                #expect(status == 403 && detail == "Request has expired")
            }
            #expect(await server.counters().uploadsStored == 0)
        }
    }

    @Test func theClientChecksTheUploadLimitsBeforeAnyRequest() async throws {
        try await Harness.run { server, client in
            var small = uploadLimits
            small.maxBytes = 100
            await #expect(throws: UploadError.tooLarge(bytes: 101, max: 100)) {
                try await client.upload([UInt8](repeating: 0, count: 101), contentType: "image/png", limits: small)
            }
            await #expect(throws: UploadError.self) { try await client.upload([1, 2, 3], contentType: "image/bmp", limits: uploadLimits) }
            #expect(await server.counters().requests == 0)
        }
    }

    @Test func dataURIsAreReferencesToo() async throws {
        try await Harness.run { server, client in
            let request = GenerationRequest(model: gpt.id, prompt: "on marble", imageURLs: [Self.dataURI(try Self.picture(400, 300))],
                                            aspect: .ratio(AspectRatio(width: 4, height: 3)))
            let done = try await client.waitForCompletion(try await client.submit(request, spec: gpt).taskID)
            let path = Harness.temporaryDirectory() + "/edited.png"
            try await client.download(done, to: path) { _ in }
            #expect(try ImageProbe.probe(path: path).width == 1024)
            // A type the service does not inline: the task fails and is refunded.
            let tiff = GenerationRequest(model: gpt.id, prompt: "on marble", imageURLs: ["data:image/tiff;base64,AAAA"],
                                         aspect: .ratio(AspectRatio(width: 4, height: 3)))
            let failed = try await client.submit(tiff, spec: gpt)
            await #expect(throws: ServiceError.self) { try await client.waitForCompletion(failed.taskID) }
            #expect(await server.counters().refunds == 1)
        }
    }

    /// 3:1 and 36.6 MP references fail their task with the service's error shape, and are refunded.
    @Test func referencesOutsideTheServicesLimitsFailAndAreRefunded() async throws {
        try await Harness.run { server, client in
            let wide = GenerationRequest(model: gpt.id, prompt: "a banner", imageURLs: [Self.dataURI(try Self.png(900, 300))],
                                         aspect: .ratio(AspectRatio(width: 21, height: 9)))
            let receipt = try await client.submit(wide, spec: gpt)
            do {
                _ = try await client.waitForCompletion(receipt.taskID)
                Issue.record("a 3:1 reference was accepted")
            } catch ServiceError.taskFailed(_, let code, let message) {
                #expect(code == "GENERATION_FAILED")
                #expect(message.contains("900×300 has a width ÷ height of 3") && message.contains("0.4–2.5"))
            }
            let ticket = try await client.upload(try Self.png(6100, 6000), contentType: "image/png", limits: uploadLimits)
            let huge = GenerationRequest(model: gpt.id, prompt: "a poster", imageURLs: [ticket.publicURL], aspect: .ratio(AspectRatio(width: 1, height: 1)))
            let big = try await client.submit(huge, spec: gpt)
            do {
                _ = try await client.waitForCompletion(big.taskID)
                Issue.record("a 36.6 MP reference was accepted")
            } catch ServiceError.taskFailed(_, let code, let message) {
                #expect(code == "IMAGE_TOO_LARGE" && message.contains("36.6 megapixels"))
            }
            let counters = await server.counters()
            #expect(counters.refunds == 2 && counters.charges == 0)
            #expect(try await client.credits() == 1000)
        }
    }

    @Test func anUpscaleIsATaskOfTheRightSizeAndTier() async throws {
        try await Harness.run { server, client in
            let ticket = try await client.upload(try Self.picture(640, 480), contentType: "image/png", limits: uploadLimits)
            let receipt = try await client.submitUpscale(UpscaleRequest(imageURL: ticket.publicURL, factor: 2))
            #expect(receipt.creditsUsed == 20 && receipt.creditsRemaining == 980)
            let done = try await client.waitForCompletion(receipt.taskID)
            let path = Harness.temporaryDirectory() + "/big.png"
            try await client.download(done, to: path) { _ in }
            let info = try ImageProbe.probe(path: path)
            #expect(info.width == 1280 && info.height == 960)
            #expect(SimulatorMark.isPresent(inFileAt: path))
            let counters = await server.counters()
            #expect(counters.upscales == 1 && counters.charges == 1 && counters.creditsCharged == 20)
        }
    }

    /// Credits by output size (input megapixels × factor²) at each tier's edge, refusals above 96 MP and
    /// for factor 8, and failed upscales refunded (every task here fails, so no large image is drawn).
    @Test func upscaleTiersRefusalsAndRefunds() async throws {
        try await Harness.run(configure: { $0.failureRate = 1 }) { server, client in
            let six = Self.dataURI(try Self.png(3000, 2000))    // 6 MP: ×2 is 24 MP, ×4 is 96 MP
            let twelve = Self.dataURI(try Self.png(4000, 3000)) // 12 MP: ×2 is 48 MP, ×4 is 192 MP
            for (url, factor, credits) in [(six, 2, 20), (six, 4, 80), (twelve, 2, 40)] {
                let receipt = try await client.submitUpscale(UpscaleRequest(imageURL: url, factor: factor))
                #expect(receipt.creditsUsed == credits, "×\(factor)")
                await #expect(throws: ServiceError.taskFailed(id: receipt.taskID, code: "GENERATION_FAILED", message: "The upscale failed (simulated)")) {
                    try await client.waitForCompletion(receipt.taskID)
                }
            }
            do {
                _ = try await client.submitUpscale(UpscaleRequest(imageURL: twelve, factor: 4))
                Issue.record("a 192 MP upscale was accepted")
            } catch ServiceError.badRequest(let code, let message) {
                #expect(code == "INVALID_PARAMETERS" && message.contains("16000x12000 (192.0 MP)") && message.contains("at most 96 MP"))
            }
            await #expect(throws: ServiceError.badRequest(code: "INVALID_PARAMETERS", message: "upscale_factor must be one of \"1\", \"2\", \"4\"")) {
                try await client.submitUpscale(UpscaleRequest(imageURL: six, factor: 8))
            }
            let counters = await server.counters()
            #expect(counters.upscales == 3 && counters.refunds == 3 && counters.charges == 0)
            #expect(try await client.credits() == 1000)
        }
    }

    /// The catalogue's tool decides the same way, before anything is sent.
    @Test func theCatalogueDecidesUpscalesAsTheServicePrices() throws {
        let tool = try #require(Harness.catalogue.service?.upscale)
        let oneK = PixelSize(width: 1024, height: 768)
        #expect(try tool.decide(from: oneK, factor: nil, longSide: 4000) == UpscaleDecision(factor: 4, output: PixelSize(width: 4096, height: 3072), credits: 20))
        #expect(try tool.decide(from: oneK, factor: nil, longSide: 2000) == UpscaleDecision(factor: 2, output: PixelSize(width: 2048, height: 1536), credits: 20))
        #expect(try tool.decide(from: oneK, factor: nil, longSide: 1000) == nil)
        #expect(throws: UpscaleRefusal.outOfReach(longSide: 5000, from: oneK, largestFactor: 4)) {
            try tool.decide(from: oneK, factor: nil, longSide: 5000)
        }
        #expect(throws: UpscaleRefusal.factorNotOffered(8, offered: [1, 2, 4])) { try tool.decide(from: oneK, factor: 8, longSide: nil) }
        #expect(tool.credits(forOutput: PixelSize(width: 6000, height: 4000)) == 20)
        #expect(tool.credits(forOutput: PixelSize(width: 6001, height: 4000)) == 40)
        #expect(tool.credits(forOutput: PixelSize(width: 12000, height: 8000)) == 80)
        #expect(tool.credits(forOutput: PixelSize(width: 12001, height: 8000)) == nil)
    }
}
