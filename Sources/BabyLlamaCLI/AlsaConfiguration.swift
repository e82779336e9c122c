import CPosix

/// Hands the statically linked alsa-lib its configuration tree (alsa.conf, pcm/,
/// cards/). alsa-lib reads it from /usr/share/alsa; a board image without ALSA
/// (the Duo's stock Buildroot image) has none, so scripts/build-duo.sh ships the
/// tree beside the binary as `alsa/` and this points alsa-lib at it.
enum AlsaConfiguration {
    /// The configuration alsa-lib was built to read (its --with-configdir).
    static let systemFile = "/usr/share/alsa/alsa.conf"

    /// Sets ALSA_CONFIG_DIR to `<directory of the executable>/alsa` when the
    /// system has no alsa.conf, the variable is not set already, and the shipped
    /// tree is there. Call before the first snd_* call: alsa-lib reads the
    /// variable once.
    static func useShippedTreeIfSystemHasNone() {
        if getenv("ALSA_CONFIG_DIR") != nil || fileExists(systemFile) { return }
        guard let directory = ExecutableDirectory.path() else { return }
        let shipped = directory + "/alsa"
        guard fileExists(shipped + "/alsa.conf") else { return }
        _ = setenv("ALSA_CONFIG_DIR", shipped, 1)
    }
}
