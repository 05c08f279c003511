import Dispatch
#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C and SIGTERM for a long run: the first calls `onFirst` (the run stops submitting and settles),
/// a second exits at once with 130. Keep the value alive for as long as the handling should last.
public final class Interrupts {
    private let sources: [any DispatchSourceSignal]

    public init(onFirst: @escaping @Sendable () -> Void) {
        let count = Locked(0)
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let seen = count.withLock { value -> Int in
                    value += 1
                    return value
                }
                if seen == 1 { onFirst() } else { _exit(130) }
            }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
