import CShim

/// A joinable thread running a Swift closure (through CShim's pthread wrapper,
/// which takes a C function pointer and so cannot capture anything itself).
final class SpeechThread {
    private var handle: UnsafeMutableRawPointer?

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private init(handle: UnsafeMutableRawPointer) {
        self.handle = handle
    }

    /// Starts `body` on a new thread; nil if the system refuses one.
    static func start(_ body: @escaping () -> Void) -> SpeechThread? {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let entry: shim_thread_body = { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }
        guard let handle = shim_thread_start(entry, context) else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        return SpeechThread(handle: handle)
    }

    /// Waits for the thread to end (once; later calls return at once).
    func join() {
        if let handle {
            shim_thread_join(handle)
            self.handle = nil
        }
    }

    deinit { join() }
}
