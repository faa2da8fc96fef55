import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element: what the vim25 responses need and nothing more. Names lose their namespace
/// prefix (`soapenv:Body` is `Body`); attributes keep theirs (`xsi:type`), since a managed object
/// reference's own `type` attribute must not be confused with the schema type.
package struct XMLNode: Sendable {
    package var name: String
    package var attributes: [String: String]
    package var children: [XMLNode]
    package var text: String

    /// The first child named `name`.
    package func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    /// Every child named `name`.
    package func all(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// The child at a path of names (`info.state`).
    package func at(_ path: String) -> XMLNode? {
        var node: XMLNode? = self
        for part in path.split(separator: ".") { node = node?.child(String(part)) }
        return node
    }

    /// The schema type of a polymorphic value (`xsi:type="InvalidLogin"`), whatever the prefix.
    package var schemaType: String? {
        attributes.first { $0.key == "type" ? false : $0.key.hasSuffix(":type") }?.value
    }

    /// The element as a managed object reference (`<vm type="VirtualMachine">vm-42</vm>`).
    package var reference: ManagedObject? {
        guard let type = attributes["type"], !text.isEmpty else { return nil }
        return ManagedObject(type: type, value: text)
    }

    static func parse(_ data: Data) throws -> XMLNode {
        let builder = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw VimError.malformed("The response is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "no root element")")
        }
        return root
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [XMLNode] = []
        var root: XMLNode?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            stack.append(XMLNode(name: local, attributes: attributes, children: [], text: ""))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard var node = stack.popLast() else { return }
            if !node.children.isEmpty { node.text = "" }
            if stack.isEmpty {
                root = node
            } else {
                stack[stack.count - 1].children.append(node)
            }
        }
    }
}

/// A managed object reference: the handle vSphere gives for every object of its inventory.
public struct ManagedObject: Sendable, Hashable, CustomStringConvertible {
    public let type: String
    public let value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    public var description: String { "\(type):\(value)" }

    /// As an argument: `<name type="…">value</name>`.
    package func xml(_ name: String) -> String {
        "<\(name) type=\"\(XMLText.escape(type))\">\(XMLText.escape(value))</\(name)>"
    }
}

/// Text for the requests, which are written as strings.
package enum XMLText {
    package static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// `<name>text</name>`, escaped.
    package static func element(_ name: String, _ text: String) -> String {
        "<\(name)>\(escape(text))</\(name)>"
    }
}
