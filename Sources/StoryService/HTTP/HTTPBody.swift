/// A complete response.
struct HTTPBody {
    var status: Int
    var contentType: String
    var bytes: [UInt8]
    var headers: [(String, String)] = []
    /// Tokens generated for it (for the log).
    var tokens = 0
}
