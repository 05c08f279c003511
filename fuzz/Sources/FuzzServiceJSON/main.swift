import Foundation
import FuzzSupport
import VicSee

/// Every reader of the service's answers, on any bytes: a hostile or broken answer must give an error,
/// never a crash. The API key check runs on the same bytes taken as text.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let body = Data(bytes(data, size))
    _ = try? ServiceAnswers.submitReceipt(body)
    _ = try? ServiceAnswers.taskStatus(body, id: "task_fuzz")
    _ = try? ServiceAnswers.downloadInfo(body, id: "task_fuzz")
    _ = try? ServiceAnswers.credits(body)
    _ = ServiceAnswers.models(body)
    _ = ServiceAnswers.message(body)
    for status in [400, 401, 402, 403, 404, 429, 500, 502] {
        _ = ServiceAnswers.error(status: status, body: body, resetsAt: nil) { $0 }
    }
    _ = try? APIKey.validate(String(decoding: body, as: UTF8.self))
    return 0
}

runFuzzer(fuzzOne)
