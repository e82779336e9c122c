import CPosix

/// SIGINT and SIGTERM as events to wait for rather than process killers.
public enum TerminationSignals {
    /// Blocks SIGINT/SIGTERM (for this thread and the threads it starts later) and
    /// ignores SIGPIPE. Call first, before any thread starts.
    public static func block() {
        _ = shim_block_termination_signals()
    }

    /// Waits for SIGINT or SIGTERM and returns its name.
    public static func wait() -> String {
        let number = shim_wait_termination_signal()
        return number == SIGINT ? "SIGINT" : (number == SIGTERM ? "SIGTERM" : "signal \(number)")
    }
}
