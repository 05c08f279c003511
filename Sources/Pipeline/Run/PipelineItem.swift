import Foundation
import ImageCore

/// One thing a pipeline works on: a reference image, or a named text-to-image item.
public struct PipelineItem: Sendable, Equatable {
    public var name: ItemName
    /// The reference file, as the input patterns found it.
    public var input: String?
    /// The reference's path below the folder its pattern starts from (`a/p.jpg` for `shoots/` or
    /// `"shoots/**/*.jpg"`), used by `publish base-url` so that two `p.jpg` stay apart.
    public var relativePath: String?

    public init(name: ItemName, input: String? = nil, relativePath: String? = nil) {
        self.name = name
        self.input = input
        self.relativePath = relativePath
    }
}

/// Turns a pipeline's `input` patterns or `items` names into its items, in linear time.
enum ItemList {
    /// The items, and a problem for each pattern that matched nothing. Each file is one item however many
    /// patterns name it; it is named by its file name without extension, or — when two files share that
    /// name — by its path below its pattern's folder (`a/p`, `b/p`), so names stay the same when other
    /// files come and go.
    static func make(_ spec: PipelineSpec) -> (items: [PipelineItem], problems: [(pattern: String, problem: String)]) {
        if let names = spec.items?.names {
            return (names.map { PipelineItem(name: ItemName($0)) }, [])
        }
        var problems: [(String, String)] = []
        var found: [(path: String, relative: String)] = []
        var seen = Set<String>()
        for (pattern, expansion) in zip(spec.inputs, InputFiles.expand(spec.inputs)) {
            if let problem = expansion.problem { problems.append((pattern, problem)) }
            let root = Self.root(of: pattern)
            for file in expansion.files where seen.insert(file).inserted {
                found.append((file, relativePath(of: file, root: root)))
            }
        }
        let stems = found.map { stem(of: ($0.relative as NSString).lastPathComponent) }
        var counts: [String: Int] = [:]
        for stem in stems { counts[stem, default: 0] += 1 }
        var used = Set<String>()
        var items: [PipelineItem] = []
        items.reserveCapacity(found.count)
        for (index, file) in found.enumerated() {
            let base = counts[stems[index], default: 0] > 1 ? stem(of: file.relative) : stems[index]
            var name = base
            var suffix = 2
            while !used.insert(ItemName(name).fileStem).inserted {
                name = "\(base)-\(suffix)"
                suffix += 1
            }
            items.append(PipelineItem(name: ItemName(name), input: file.path, relativePath: file.relative))
        }
        return (items, problems)
    }

    /// The folder a pattern's matches are relative to, with its trailing slash: the folder itself, the
    /// part of a glob before its first wildcard's folder, or a file's folder.
    static func root(of pattern: String) -> String {
        var status = stat()
        if stat(pattern, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            return pattern.hasSuffix("/") ? pattern : pattern + "/"
        }
        let fixed = pattern.firstIndex(where: { "*?[".contains($0) }).map { pattern[..<$0] } ?? pattern[...]
        guard let slash = fixed.lastIndex(of: "/") else { return "" }
        return String(fixed[...slash])
    }

    /// A file's path below its pattern's folder (`root(of:)`), or its name when it is not below it.
    static func relativePath(of file: String, root: String) -> String {
        root.isEmpty || !file.hasPrefix(root) ? (file as NSString).lastPathComponent : String(file.dropFirst(root.count))
    }

    private static func stem(of path: String) -> String {
        let name = path as NSString
        return name.pathExtension.isEmpty ? path : name.deletingPathExtension
    }
}
