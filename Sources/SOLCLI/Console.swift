import Foundation

/// Notes of long commands go to stderr, so stdout stays clean for tables and JSON.
enum Console {
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
