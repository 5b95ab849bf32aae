/// SQL for the numbers people read out and write down (case AJ20261130000042, warning
/// YJ20261125000318): a prefix, the Beijing date and a sequence's value of at least six digits.
public enum RecordNumberSQL {
    /// SQL for a record number: `'prefix' || yyyymmdd (Asia/Shanghai) || digits(nextval('sequence'))`.
    /// Evaluates `nextval` once per row, so it can number the rows of a bulk `INSERT … SELECT`.
    ///
    /// - Important: `prefix` and `sequence` are inserted into the statement as given: code constants only.
    public static func next(prefix: String, sequence: String) -> String {
        "'\(prefix)' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || \(digits("nextval('\(sequence)')"))"
    }

    /// SQL for the integer `value` as text of at least `width` digits, zero-padded in front (000042),
    /// longer when it needs more (1000000). `lpad(value::text, 6, '0')` cuts a seventh digit off, so
    /// numbers repeated once a sequence passed 999,999.
    public static func digits(_ value: String, atLeast width: Int = 6) -> String {
        // Padded to 20 (a bigint has at most 19 digits), then up to 20 - width leading zeros taken off.
        "regexp_replace(lpad((\(value))::text, 20, '0'), '^0{0,\(20 - width)}', '')"
    }
}
