import Foundation

/// One upscale, as `POST /tools/upscale-image` takes it.
public struct UpscaleRequest: Sendable, Equatable {
    /// A URL the service can fetch (a finished task's download URL, or a published file).
    public var imageURL: String
    public var factor: Int

    public init(imageURL: String, factor: Int) {
        self.imageURL = imageURL
        self.factor = factor
    }
}

extension VicSeeClient {
    /// Submits an upscale: a task polled like a generation and charged by its output size. Like a
    /// generation's submit it is never re-sent: `submitNotSent` when it never reached the service,
    /// `submitOutcomeUnknown` when the task may exist and be charged.
    public func submitUpscale(_ request: UpscaleRequest) async throws -> SubmitReceipt {
        let body = try JSONSerialization.data(withJSONObject: ["image_url": request.imageURL, "upscale_factor": String(request.factor)],
                                              options: [.sortedKeys])
        return try await submitOnce(body, to: "/tools/upscale-image")
    }
}
