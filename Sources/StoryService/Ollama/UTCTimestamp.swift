/// A moment written as RFC 3339 in UTC with microseconds, `2024-05-01T19:22:45.499127Z`,
/// as Ollama writes `created_at` and `modified_at` (clients parse these as dates).
public enum UTCTimestamp {
    /// `unixNanoseconds` (since 1970-01-01T00:00:00Z; before it counts back) as RFC 3339.
    public static func rfc3339(unixNanoseconds: Int64) -> String {
        // Floor division, so moments before the epoch fall in the right second and day.
        let (second, nanosecond) = floorDivision(unixNanoseconds, 1_000_000_000)
        let (day, secondOfDay) = floorDivision(second, 86_400)
        let (year, month, dayOfMonth) = civilDate(daysSinceEpoch: day)
        var text: [UInt8] = []
        append(year, digits: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        append(month, digits: 2, to: &text)
        text.append(UInt8(ascii: "-"))
        append(dayOfMonth, digits: 2, to: &text)
        text.append(UInt8(ascii: "T"))
        append(secondOfDay / 3_600, digits: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, digits: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, digits: 2, to: &text)
        text.append(UInt8(ascii: "."))
        append(nanosecond / 1_000, digits: 6, to: &text)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`: years of 400 are 146,097 days, counted from 0000-03-01).
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let (era, dayOfEra) = floorDivision(shifted, 146_097)
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = value / divisor
        var remainder = value % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }

    /// `value` in decimal, zero-padded to `digits` (a negative year keeps its sign).
    private static func append(_ value: Int64, digits: Int, to text: inout [UInt8]) {
        if value < 0 { text.append(UInt8(ascii: "-")) }
        let decimal = Array(String(value.magnitude).utf8)
        if decimal.count < digits { text.append(contentsOf: [UInt8](repeating: UInt8(ascii: "0"), count: digits - decimal.count)) }
        text.append(contentsOf: decimal)
    }
}
