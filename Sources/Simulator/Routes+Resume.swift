import Foundation
import VicSee

extension Routes {
    /// Works again the tasks a stored simulator had not finished when it stopped (its process was killed
    /// or interrupted): they complete or fail as they would have, and are never charged twice.
    func resumeUnfinished() async {
        for (id, request) in await state.unfinished() {
            if let factor = request.upscaleFactor {
                Task { await self.processUpscale(UpscaleJob(id: id, imageURL: request.urls.first ?? "", factor: factor)) }
                continue
            }
            guard let spec = state.catalogue.model(request.model), let tier = ResolutionTier(request.tier) else {
                await state.fail(id, code: "INVALID_MODEL", key: "invalid_model", message: "Unknown model: \(request.model)")
                continue
            }
            let job = Job(id: id, spec: spec, prompt: request.prompt, tier: tier, aspect: request.aspect, urls: request.urls)
            Task { await self.process(job) }
        }
    }

    /// A task's reference: fetched from its URL the first time (and kept, when the simulator has a
    /// store), so that a task resumed after a restart does not depend on a URL that may be gone.
    func referenceBytes(for task: String, at url: String, limit: Int) async throws -> [UInt8] {
        if let kept = await state.storedReference(of: task) { return kept }
        let bytes = url.hasPrefix("data:") ? try inlineBytes(url, limit: limit) : try await fetchReference(url, limit: limit)
        await state.keepReference(bytes, of: task)
        return bytes
    }
}
