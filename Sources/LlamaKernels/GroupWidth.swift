/// A group size fixed at compile time, so the group loops unroll.
protocol GroupWidth { static var size: Int { get } }
enum Group32: GroupWidth { static var size: Int { 32 } }
enum Group64: GroupWidth { static var size: Int { 64 } }
