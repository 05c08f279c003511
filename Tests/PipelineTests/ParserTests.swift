import Foundation
import ImageCore
import Testing
import VicSee
@testable import Pipeline

let catalogue = try! ModelCatalogue.bundled()

func parse(_ source: String) throws(PipelineDiagnostics) -> PipelineSpec {
    try PipelineParser(file: "test.pipe", catalogue: catalogue).parse(source)
}

/// The first mistake found in `source`, or nil when it parses.
func diagnostic(_ source: String) -> PipelineDiagnostic? {
    diagnostics(source).first
}

func diagnostics(_ source: String) -> [PipelineDiagnostic] {
    do {
        _ = try parse(source)
        return []
    } catch {
        return error.all
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
        expected.pipeline = NameStep("shots")
        expected.input = InputStep(["photos/*.jpg", "photos/*.png"])
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
        expected.publish = PublishStep(.s3(s3))
        var verify = VerifyStep()
        verify.tolerance = 0.02
        expected.verify = verify
        var thumbnail = ThumbnailStep()
        thumbnail.size = 128
        thumbnail.format = .webp
        expected.thumbnail = thumbnail
        expected.output = OutputStep("out/shots")
        #expect(spec == expected)
        #expect(spec.publishWay(serviceOnThisMachine: false) == .s3(s3))
        #expect(generate.prompt(for: "mug") == "Put mug on oak")
        #expect(spec.thumbnail?.options == { var o = ThumbnailOptions.size(128); o.format = .webp; return o }())
    }

    /// A pipeline printed as text (every option spelled out) reads back as the same value.
    @Test func theTextOfAPipelineParsesBackToIt() throws {
        for file in ["product-shots", "text-to-image", "thumbnails", "verify-folder", "amazon-main", "shop-zoom"] {
            let source = try String(contentsOfFile: Self.repository + "/pipelines/\(file).pipe", encoding: .utf8)
            let spec = try parse(source)
            #expect(try parse(spec.text) == spec, "\(file): \(spec.text)")
        }
        var quoted = PipelineSpec()
        quoted.items = ItemsStep(["a \"quoted\" name", "back\\slash", "pipe | and # hash"])
        quoted.generate = GenerateStep(model: "gpt-image-2-text-to-image", prompt: "line one\nline two {name}")
        #expect(try parse(quoted.text) == quoted)
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
        #expect(diagnostic("check formats gif\ninput x")?.message.contains("expected a list of jpeg, png and webp") == true)
        #expect(diagnostic("thumbnail fit cover\ninput x") == nil)
        let value = diagnostic("input x\naspect crp")
        #expect(value?.message == "expected report, crop or pad for mode but received 'crp'" && value?.suggestion == "crop")
        #expect(diagnostic("input x\ncheck max-bytes")?.message == "'max-bytes' needs a value (max-bytes N)")
        #expect(diagnostic("input x\ncheck oversize skip oversize fail")?.message == "'oversize' is given twice in this step")
        #expect(diagnostic("items a\ngenerate prompt x")?.message == "'generate' needs a model (model ID)")
        #expect(diagnostic("input")?.message == "'input' needs at least one pattern (PATTERN…)")
        #expect(diagnostic("input x\naspect crop pad")?.message == "unexpected 'pad': 'aspect' takes [report|crop|pad]")
        #expect(diagnostic("input x | | check")?.message == "a '|' needs a step on both sides")
        let placeholder = diagnostic("items a\ngenerate model gpt-image-2-text-to-image prompt \"a {nam} on white\"")
        #expect(placeholder?.message == "the prompt has an unknown placeholder {nam}; it takes {name}" && placeholder?.suggestion == "{name}")
        #expect(diagnostic("input x\npublish base-url ftp://x")?.message.contains("expected an http:// or https:// URL") == true)
        #expect(diagnostic("input x\npublish loopback s3 bucket b")?.message.contains("takes one way") == true)
        #expect(diagnostic("input x\npublish s3")?.message == "'publish s3' needs a bucket (bucket NAME)")
        #expect(diagnostic("input x\npublish loopback region eu")?.message == "'region' is an s3 option: add 's3' or remove it")
        #expect(diagnostic("input x\nthumbnail dir ../up")?.message.contains("a folder inside the output folder") == true)
    }

    /// Every mistake of a file is reported, in file order, not only the first.
    @Test func everyMistakeOfAFileIsReported() {
        let found = diagnostics("""
            pipeline one
            input a.jpg
            chek formats png
            aspect crp
            generate model gpt-image-2-image-to-image prompt x resolution 8K
            thumbnail size 0 fit cover
            verify tolerance 200%
            pipeline two
            """)
        #expect(found.map(\.line) == [3, 4, 5, 6, 7, 8])
        #expect(found[0].message == "unknown step 'chek'" && found[0].suggestion == "check")
        #expect(found[2].message == "expected 1K, 2K or 4K for resolution but received '8K'")
        #expect(found[3].message == "expected a positive integer for size but received '0'")
        #expect(found[4].message == "expected a percentage such as 2% (or 2) from 0 to below 100 for tolerance but received '200%'")
        #expect(found[5].message == "a second 'pipeline' step (the first is on line 1)")
        let all = PipelineDiagnostics(found).description
        #expect(all.hasSuffix("6 errors"))
    }

    @Test func catalogueRulesAreCheckedAtLoad() {
        let square4K = diagnostic("items a\ngenerate model gpt-image-2-text-to-image prompt x resolution 4K aspect 1:1")
        #expect(square4K?.message.contains("cannot make 1:1 at 4K") == true)
        #expect(square4K?.column == 72)
        let auto2K = diagnostic("items a\ngenerate model gpt-image-2-text-to-image prompt x resolution 2K aspect auto")
        #expect(auto2K?.message.contains("'auto' at 1K only") == true)
        #expect(diagnostics("generate model gpt-image-2-image-to-image prompt x").contains { $0.message.contains("add an 'input' line") })
        #expect(diagnostic("input a.jpg\ngenerate model gpt-image-2-text-to-image prompt x")?.message.contains("takes no reference images") == true)
        #expect(diagnostics("items a\ngenerate model flux-2-pro-text-to-image prompt xyz resolution 4K").map(\.message)
            == ["flux-2-pro-text-to-image does not offer 4K; use 1K or 2K"])
        #expect(diagnostic("pipeline empty")?.message.contains("nothing to work on") == true)
        #expect(diagnostic("")?.message.contains("nothing to work on") == true)
        #expect(diagnostic("input a\ninput b\npipeline x\npipeline y")?.message.contains("a second 'pipeline' step (the first is on line 3)") == true)
        #expect(diagnostic("input a\nitems b\ngenerate model gpt-image-2-text-to-image prompt x")?.message.contains("not both") == true)
        let baseURL = diagnostic("input a\naspect crop\npublish base-url https://cdn.example.com/refs\ngenerate model gpt-image-2-image-to-image prompt x")
        #expect(baseURL?.line == 3 && baseURL?.message.contains("derived copies that are not hosted there") == true)
    }

    /// Names become file names only through `ItemName`; what cannot be one is refused when the file is
    /// read, before anything is spent.
    @Test func itemNamesAreSafeFileNames() {
        #expect(ItemName("../escaped").fileStem == "escaped")
        #expect(ItemName("../../x").fileStem == "x")
        #expect(ItemName("sub/dir").fileStem == "sub-dir")
        #expect(ItemName(".hidden").fileStem == "hidden")
        #expect(ItemName("...").fileStem == "item")
        let long = String(repeating: "é", count: 300)
        let stem = ItemName(long).fileStem
        #expect(stem.utf8.count <= ItemName.maximumStemBytes && stem != ItemName(long + "x").fileStem)
        #expect(diagnostic("items \"\"\ngenerate model gpt-image-2-text-to-image prompt x")?.message == "an item name cannot be empty")
        #expect(diagnostic("items \"a\u{0}b\"\ngenerate model gpt-image-2-text-to-image prompt x")?.message.contains("control character (U+0000)") == true)
        #expect(diagnostic("items \"line\\nbreak\"\ngenerate model gpt-image-2-text-to-image prompt x")?.message.contains("U+000A") == true)
        #expect(diagnostic("items \"a/b\" \"a-b\"\ngenerate model gpt-image-2-text-to-image prompt x")?.message
            == "the items a/b and a-b would both be saved as a-b.*; rename one")
        #expect(diagnostic("items mug mug\ngenerate model gpt-image-2-text-to-image prompt x")?.message == "the item mug is listed twice")
    }

    @Test func windowsLineEndsAreLines() throws {
        let spec = try parse("pipeline w\r\nitems a\r\ngenerate model gpt-image-2-text-to-image prompt \"x\"\r\n")
        #expect(spec.name == "w" && spec.itemNames == ["a"])
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The README's step table is the one the declarations make.
    @Test func theReadmeTableIsTheDeclarations() throws {
        let readme = try String(contentsOfFile: Self.repository + "/README.md", encoding: .utf8)
        let begin = "<!-- steps:begin (imagepipe steps --markdown) -->\n", end = "<!-- steps:end -->"
        let start = try #require(readme.range(of: begin)), stop = try #require(readme.range(of: end))
        #expect(String(readme[start.upperBound..<stop.lowerBound]) == StepTable.markdown(),
                "README.md's step table differs from `imagepipe steps --markdown`; paste that in")
    }
}
