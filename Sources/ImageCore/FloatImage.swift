/// A working image between decoding and encoding: 32-bit float samples in 0...1, channels interleaved,
/// colour premultiplied by alpha when there is alpha, so that filtering never bleeds the colour of
/// transparent pixels into their neighbours (the dark fringe around cut-outs).
struct FloatImage {
    var width: Int
    var height: Int
    var channels: Int
    var hasAlpha: Bool
    var samples: [Float]
}

/// Tables between 8-bit stored values and the light that filtering works in.
struct TransferTables: Sendable {
    /// 8-bit sample → working value (gamma: v/255; linear: the sRGB decoding curve).
    let toWorking: [Float]
    let light: ResamplingLight

    static let gamma = TransferTables(light: .gamma)
    static let linear = TransferTables(light: .linear)

    private init(light: ResamplingLight) {
        self.light = light
        toWorking = (0..<256).map { value in
            let v = Float(value) / 255
            guard light == .linear else { return v }
            return v <= 0.04045 ? v / 12.92 : Float(Double((v + 0.055) / 1.055).pow(2.4))
        }
    }

    static func forLight(_ light: ResamplingLight) -> TransferTables { light == .linear ? linear : gamma }

    /// Working value → 8-bit sample, rounded.
    @inline(__always)
    func toStored(_ value: Float) -> UInt8 {
        var v = min(max(value, 0), 1)
        if light == .linear {
            v = v <= 0.0031308 ? v * 12.92 : Float(1.055 * Double(v).pow(1 / 2.4) - 0.055)
        }
        return UInt8(v * 255 + 0.5)
    }
}

extension Double {
    fileprivate func pow(_ exponent: Double) -> Double {
        #if canImport(Glibc)
            Glibc.pow(self, exponent)
        #else
            Darwin.pow(self, exponent)
        #endif
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
