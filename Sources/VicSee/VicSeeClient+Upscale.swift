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
    /// generation's submit it is never re-sent: when no clear answer comes back the task may exist and
    /// be charged, and `submitOutcomeUnknown` says so.
    public func submitUpscale(_ request: UpscaleRequest) async throws -> SubmitReceipt {
        let body = try JSONSerialization.data(withJSONObject: ["image_url": request.imageURL, "upscale_factor": String(request.factor)],
                                              options: [.sortedKeys])
        let answer: Answer
        do {
            answer = try await call(.POST, url: configuration.baseURL + "/tools/upscale-image", body: body)
        } catch let error as ServiceError {
            if case .connection(let detail) = error { throw ServiceError.submitOutcomeUnknown(detail: detail) }
            throw error
        } catch {
            throw ServiceError.submitOutcomeUnknown(detail: redact("\(error)"))
        }
        if answer.status >= 500 { throw ServiceError.submitOutcomeUnknown(detail: "HTTP \(answer.status)") }
        guard (200..<300).contains(answer.status) else { throw failure(of: answer) }
        let object = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any]
        let data = object?["data"] as? [String: Any] ?? object ?? [:]
        guard let id = (data["id"] ?? data["task_id"] ?? data["taskId"]).flatMap({ ($0 as? String) ?? ($0 as? Int).map(String.init) }) else {
            throw ServiceError.submitOutcomeUnknown(detail: "the answer to the upscale has no task id")
        }
        return SubmitReceipt(taskID: id, status: data["status"] as? String ?? "pending", creditsUsed: data["creditsUsed"] as? Int,
                             creditsRemaining: data["creditsRemaining"] as? Int)
    }
}
