/// max|a - b| over max|reference|, the tolerance measure of the golden logits.
public func relativeMaxDifference<A: Collection, B: Collection>(_ values: A, _ reference: B) -> Double
where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
    if values.count != reference.count { return .infinity }
    var maxDifference = 0.0, maxReference = 0.0
    for (value, expected) in zip(values, reference) {
        let difference = abs(Double(value) - Double(expected))
        // NaN must fail, so it is not allowed to vanish in max().
        if difference.isNaN { return .infinity }
        maxDifference = max(maxDifference, difference)
        maxReference = max(maxReference, abs(Double(expected)))
    }
    return maxDifference / maxReference
}
