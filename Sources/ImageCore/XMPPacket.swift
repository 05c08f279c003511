/// The few XMP operations imagepipe needs, done on the packet's text: making a provenance packet and
/// adding the digital source type to a packet that lacks it. XMP is RDF/XML; a second `rdf:Description`
/// for the same resource is valid, so adding never rewrites what another tool wrote.
public enum XMPPacket {
    static let iptcExtensionNamespace = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"

    /// A complete packet that says only how the image was made.
    public static func provenance(_ type: DigitalSourceType) -> String {
        """
        <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
        <x:xmpmeta xmlns:x="adobe:ns:meta/">
         <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        \(description(type))
         </rdf:RDF>
        </x:xmpmeta>
        <?xpacket end="w"?>
        """
    }

    /// `packet` with the digital source type added, or unchanged when it already names one. A packet with
    /// no `</rdf:RDF>` to add to is replaced by a provenance packet.
    public static func adding(_ type: DigitalSourceType, to packet: String?) -> String {
        guard let packet else { return provenance(type) }
        if DigitalSourceType.find(in: packet.utf8) != nil { return packet }
        let bytes = Array(packet.utf8), closing = Array("</rdf:RDF>".utf8)
        guard let end = (0...max(0, bytes.count - closing.count)).first(where: { bytes[$0..<min(bytes.count, $0 + closing.count)].elementsEqual(closing) })
        else { return provenance(type) }
        return String(decoding: bytes[..<end] + Array((description(type) + "\n ").utf8) + bytes[end...], as: UTF8.self)
    }

    private static func description(_ type: DigitalSourceType) -> String {
        """
          <rdf:Description rdf:about="" xmlns:Iptc4xmpExt="\(iptcExtensionNamespace)" \
        Iptc4xmpExt:DigitalSourceType="\(type.uri)"/>
        """
    }
}
