import CPosix

/// A thread running a Swift closure, joined once: by `join()`, or else when the
/// last reference goes (deinit waits for the closure to end, so an owner that
/// stops its threads and then drops them has them all ended).
///
/// The thread is CPosix's pthread, whose start routine is a C function pointer and
/// cannot capture anything: the closure travels as its context.
public final class JoinableThread {
    private var handle: UnsafeMutableRawPointer?

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private init(handle: UnsafeMutableRawPointer) {
        self.handle = handle
    }

    /// Starts `body` on a new thread; nil if the system refuses one (too many
    /// threads, no memory). `body` and what it captures are released when it returns.
    public static func start(_ body: @escaping () -> Void) -> JoinableThread? {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let entry: shim_thread_body = { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }
        guard let handle = shim_thread_start(entry, context) else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        return JoinableThread(handle: handle)
    }

    /// Waits for the closure to end. The first call joins; later ones return at
    /// once. Call from one thread at a time, never from the thread itself.
    public func join() {
        if let handle {
            self.handle = nil
            shim_thread_join(handle)
        }
    }

    deinit { join() }
}
