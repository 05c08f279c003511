import FuzzSupport
import Pipeline
import VicSee

/// The bundled catalogue, loaded once: the parser checks models and their rules against it.
let catalogue = try! ModelCatalogue.bundled()

/// The pipeline language on any bytes, as `imagepipe plan` and `run` read a file: every input gives a
/// spec or diagnostics (each with its line and column), never a crash; a spec prints as text that parses
/// back to the same spec (the round trip `PipelineSpec.text` promises).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let source = String(decoding: bytes(data, size), as: UTF8.self)
    let parser = PipelineParser(file: "fuzz.pipe", catalogue: catalogue)
    guard let spec = try? parser.parse(source) else { return 0 }
    let again: PipelineSpec
    do {
        again = try parser.parse(spec.text)
    } catch {
        fatalError("a parsed pipeline printed as text that does not parse: \(error)\n\(spec.text)")
    }
    if again != spec { fatalError("a parsed pipeline printed as text that parses to another:\n\(spec.text)") }
    return 0
}

runFuzzer(fuzzOne)
