#if canImport(Glibc)
    import Glibc
#endif

/// A thread of its own for one piece of work, joined before the work's result is used. Not Dispatch: a
/// batch's jobs run on Dispatch's threads, and work queued there behind them could wait for a thread that
/// never comes free while the job that queued it waits for the work.
struct HelperThread {
    private let thread: pthread_t

    /// Starts `body` on a new thread; nil when the system gives none (the caller then does the work itself).
    static func start(_ body: @escaping @Sendable () -> Void) -> HelperThread? {
        let work = Unmanaged.passRetained(Work(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Work>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, work)
        guard status == 0 else {
            Unmanaged<Work>.fromOpaque(work).release()
            return nil
        }
        return HelperThread(thread: thread)
    }

    /// Waits for the body to return.
    func join() {
        pthread_join(thread, nil)
    }

    private final class Work {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
