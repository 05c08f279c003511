extension Thumbnailer {
    /// A DC-only decode stops after the first DC scans and does not wait for a DC refinement scan: in
    /// libjpeg's default script that scan comes seventh of ten, after most of the luma detail, so waiting
    /// reads most of the file, for at most one DC quantisation step (bench/RESULTS.md, "DC scans").
    static let waitsForDCRefinement = false

    /// Decodes a JPEG for a thumbnail at the plan's DCT scale: from the DC scans alone where they suffice
    /// and the strictness allows it, else every scan. Says which, and why, in `decisions`.
    static func loadJPEG(_ bytes: [UInt8], path: String, info: ImageInfo, plan: ThumbnailPlan, failOn: FailOn,
                         memoryLimit: Int, decisions: inout [String]) throws -> RawDecode {
        let scale = plan.jpegScale
        var note = ""
        if plan.jpegDCScansSuffice {
            switch failOn {
            case .error, .warning:
                note = " (all scans: --fail-on \(failOn.rawValue) reads every scan)"
            case .none, .truncated:
                let map = JPEGScanMap(bytes)
                guard map.scans <= LibJPEG.scanLimit else {
                    throw DecodeError.tooManyScans(path: path, limit: LibJPEG.scanLimit)
                }
                // A DC-only decode never reaches the end of the file, so it cannot notice that the file is
                // cut short; the marker walk can, and then every scan is decoded so that the truncation is
                // reported as the full decode reports it.
                if failOn == .truncated && !map.reachesEndOfImage {
                    note = " (all scans: no end-of-image marker, so every scan is read to judge truncation)"
                    break
                }
                // At 1/8 libjpeg rebuilds half-resolution (4:2:0) chroma from its first AC coefficients as
                // well; from the DC alone it has one value per 16×16 pixels, enough only for a target no
                // larger than that grid.
                let grid = map.coarsestDCGrid(width: info.storedWidth, height: info.storedHeight)
                if grid.width < plan.storedTargetWidth || grid.height < plan.storedTargetHeight {
                    note = " (all scans: the chroma's DC alone, \(grid.width)×\(grid.height), is smaller than the target)"
                    break
                }
                // The plain case without libjpeg's whole-image coefficient buffer (see JPEGDCDecoder).
                if let fast = JPEGDCDecoder(bytes) {
                    decisions.append(dcDecision(scansRead: fast.scansRead, of: map.scans, bytesRead: fast.bytesRead, of: bytes.count,
                                                refined: fast.refined, by: "imagepipe", pixels: fast.pixels))
                    return RawDecode(pixels: fast.pixels, iccProfile: nil, warnings: [])
                }
                let (raw, read) = try CoefficientGate.run(for: info) {
                    try LibJPEG.decodeDCScans(bytes, path: path, failOn: failOn,
                                              waitForRefinement: waitsForDCRefinement, memoryLimit: memoryLimit)
                }
                decisions.append(dcDecision(scansRead: read.scansRead, of: map.scans, bytesRead: read.bytesRead, of: bytes.count,
                                            refined: read.refined, by: "libjpeg", pixels: raw.pixels))
                return raw
            }
        }
        let raw = try CoefficientGate.run(for: info) {
            try LibJPEG.decode(bytes, path: path, failOn: failOn, scale: scale, memoryLimit: memoryLimit)
        }
        decisions.append("loader: jpeg, DCT scale 1/\(scale) → \(raw.pixels.width)×\(raw.pixels.height)" + note)
        return raw
    }

    /// The `--verbose` line of a DC-only decode.
    private static func dcDecision(scansRead: Int, of scans: Int, bytesRead: Int, of fileBytes: Int, refined: Bool, by decoder: String,
                                   pixels: PixelBuffer) -> String {
        let percent = fileBytes == 0 ? 0 : (bytesRead * 100 + fileBytes / 2) / fileBytes
        return "loader: jpeg, DC scans only (\(scansRead) of \(scans) scans, \(percent)% of the file"
            + (refined ? "" : ", DC refinement not read") + ", decoded by \(decoder)) → \(pixels.width)×\(pixels.height)"
    }
}
