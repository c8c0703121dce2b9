import Foundation

/// Decoding a Codable value from JSON that may hold any subset of its keys: the given object is
/// merged onto the encoded defaults (nested objects key by key), keys the defaults do not know
/// are rejected, and the merged object is decoded with the type's synthesized `Decodable`.
/// One mechanism serves configuration files, command-line overrides and stored checkpoints.
enum JSONMerge {
    /// Why a merge or decode failed: the dotted key and what is wrong with it.
    struct Failure: Error, CustomStringConvertible {
        /// Dotted path of the offending key, e.g. `optimizer.beta1`.
        var key: String
        /// What is wrong.
        var reason: String
        var description: String { "'\(key)': \(reason)" }
    }

    /// The JSON object of `value`. `nullable` lists dotted keys of optionals, written as `null`
    /// when absent so that a file may set them.
    static func object<T: Encodable>(_ value: T, nullable: Set<String> = []) -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(value),
              var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return [:] }
        for key in nullable { object = setting(object, path: key.split(separator: ".").map(String.init), to: NSNull(), onlyIfAbsent: true) }
        return object
    }

    /// `base` with every key of `overrides` applied; keys absent from `base` throw.
    static func merge(_ overrides: [String: Any], onto base: [String: Any], prefix: String = "") throws -> [String: Any] {
        var result = base
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            guard let current = base[key] else { throw Failure(key: path, reason: "unknown option") }
            if let nested = value as? [String: Any] {
                guard let currentObject = current as? [String: Any] else {
                    throw Failure(key: path, reason: "expected a value, found an object")
                }
                result[key] = try merge(nested, onto: currentObject, prefix: path)
            } else {
                if current is [String: Any] { throw Failure(key: path, reason: "expected an object of options") }
                result[key] = value
            }
        }
        return result
    }

    /// Decodes `T` from `overrides` merged onto `defaults`.
    static func decode<T: Codable>(_ type: T.Type, overrides: [String: Any], defaults: T, nullable: Set<String> = []) throws -> T {
        let merged = try merge(overrides, onto: object(defaults, nullable: nullable))
        let data: Data
        do { data = try JSONSerialization.data(withJSONObject: merged) } catch {
            throw Failure(key: "", reason: "cannot be written as JSON (\(error.localizedDescription))")
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch let DecodingError.typeMismatch(expected, context) {
            throw Failure(key: dotted(context.codingPath), reason: "expected \(describe(expected))")
        } catch let DecodingError.dataCorrupted(context) {
            throw Failure(key: dotted(context.codingPath), reason: context.debugDescription)
        } catch let DecodingError.valueNotFound(expected, context) {
            throw Failure(key: dotted(context.codingPath), reason: "expected \(describe(expected)), found null")
        } catch let DecodingError.keyNotFound(key, context) {
            throw Failure(key: dotted(context.codingPath + [key]), reason: "missing")
        }
    }

    /// `{"a.b": 1}`-style dotted overrides as nested objects; nil values are skipped.
    static func nested(_ dotted: [(String, Any?)]) -> [String: Any] {
        var object: [String: Any] = [:]
        for case let (key, value?) in dotted {
            object = setting(object, path: key.split(separator: ".").map(String.init), to: value, onlyIfAbsent: false)
        }
        return object
    }

    private static func setting(_ object: [String: Any], path: [String], to value: Any, onlyIfAbsent: Bool) -> [String: Any] {
        guard let head = path.first else { return object }
        var result = object
        if path.count == 1 {
            if !(onlyIfAbsent && result[head] != nil) { result[head] = value }
        } else {
            result[head] = setting(result[head] as? [String: Any] ?? [:], path: Array(path.dropFirst()), to: value,
                                   onlyIfAbsent: onlyIfAbsent)
        }
        return result
    }

    private static func dotted(_ path: [any CodingKey]) -> String { path.map(\.stringValue).joined(separator: ".") }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        default: return "\(type)"
        }
    }
}
