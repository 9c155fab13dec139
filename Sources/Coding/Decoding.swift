/// JSON decoding with defaults, shared by every config type: an absent key takes the default; a
/// present key must have the right type (the decoder's error then names the key path).
extension KeyedDecodingContainer {
    @inlinable
    public func decode<T: Decodable>(_ key: Key, default fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}
