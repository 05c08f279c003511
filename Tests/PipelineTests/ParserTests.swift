import Foundation
import ImageCore
import Testing
import VicSee
@testable import Pipeline

let catalogue = try! ModelCatalogue.bundled()

func parse(_ source: String) throws(PipelineDiagnostic) -> PipelineSpec {
    try PipelineParser(file: "test.pipe", catalogue: catalogue).parse(source)
}

func diagnostic(_ source: String) -> PipelineDiagnostic? {
    do {
        _ = try parse(source)
        return nil
    } catch {
        return error
    }
}

@Suite struct ParserTests {
    @Test func aFullPipelineParsesToTheSameValueAsSwiftCode() throws {
        let spec = try parse("""
            # comment
            pipeline shots
            input "photos/*.jpg" photos/*.png
            check formats jpeg,png max-bytes 1000000 oversize shrink | aspect crop
            generate model gpt-image-2-image-to-image prompt "Put {name} on oak" resolution 2K aspect 3:2 concurrency 3
            publish s3 bucket refs endpoint http://127.0.0.1:9000 region eu-west-1
            verify tolerance 2%
            thumbnail size 128 format webp
            output out/shots
            """)
        var expected = PipelineSpec()
        expected.name = "shots"
        expected.inputs = ["photos/*.jpg", "photos/*.png"]
        var check = CheckStep()
        check.formats = [.jpeg, .png]
        check.maxBytes = 1_000_000
        check.oversize = .shrink
        expected.check = check
        expected.aspect = AspectStep(mode: .crop)
        var generate = GenerateStep(model: "gpt-image-2-image-to-image", prompt: "Put {name} on oak")
        generate.resolution = .twoK
        generate.aspect = .fixed(AspectRatio(width: 3, height: 2))
        generate.concurrency = 3
        expected.generate = generate
        var s3 = S3Target(endpoint: "http://127.0.0.1:9000", bucket: "refs")
        s3.region = "eu-west-1"
        expected.publish = .s3(s3)
        var verify = VerifyStep()
        verify.tolerance = 0.02
        expected.verify = verify
        var thumbnail = ThumbnailStep()
        thumbnail.options.width = 128
        thumbnail.options.height = 128
        thumbnail.options.format = .webp
        expected.thumbnail = thumbnail
        expected.output = "out/shots"
        #expect(spec == expected)
        #expect(generate.prompt(for: "mug") == "Put mug on oak")
    }

    @Test func errorsPointAtTheWordAndSuggest() {
        let typo = diagnostic("input a.jpg\ngenerat model x prompt y")
        #expect(typo?.line == 2 && typo?.column == 1 && typo?.suggestion == "generate")
        let option = diagnostic("input a.jpg\ngenerate model gpt-image-2-image-to-image prompt \"a\" resolutoin 2K")
        #expect(option?.line == 2 && option?.column == 54 && option?.length == 10 && option?.suggestion == "resolution")
        #expect(option?.description.contains("test.pipe:2:54: error: unknown option 'resolutoin' for generate") == true)
        #expect(option?.description.contains("^~~~~~~~~~") == true)
        let model = diagnostic("input a.jpg\ngenerate model gpt-image-2-image-to-imag prompt x")
        #expect(model?.column == 16 && model?.suggestion == "gpt-image-2-image-to-image")
        let quote = diagnostic("items \"open")
        #expect(quote?.message == "this string has no closing quote")
        #expect(diagnostic("check formats gif\ninput x")?.message.contains("unknown format 'gif'") == true)
        #expect(diagnostic("thumbnail fit cover\ninput x") == nil)
    }

    @Test func catalogueRulesAreCheckedAtLoad() {
        let square4K = diagnostic("items a\ngenerate model gpt-image-2-text-to-image prompt x resolution 4K aspect 1:1")
        #expect(square4K?.message.contains("cannot make 1:1 at 4K") == true)
        #expect(square4K?.column == 72)
        let auto2K = diagnostic("items a\ngenerate model gpt-image-2-text-to-image prompt x resolution 2K aspect auto")
        #expect(auto2K?.message.contains("'auto' at 1K only") == true)
        #expect(diagnostic("generate model gpt-image-2-image-to-image prompt x")?.message.contains("add an 'input' line") == true)
        #expect(diagnostic("input a.jpg\ngenerate model gpt-image-2-text-to-image prompt x")?.message.contains("takes no reference images") == true)
        #expect(diagnostic("items a\ngenerate model flux-2-pro-text-to-image prompt x resolution 4K")?.message.contains("does not offer 4K") == true)
        #expect(diagnostic("pipeline empty")?.message.contains("nothing to work on") == true)
        #expect(diagnostic("input a\ninput b\npipeline x\npipeline y")?.message.contains("a second 'pipeline' step (the first is on line 3)") == true)
    }
}
