package dev.coffer.core.format;

import dev.coffer.core.CorruptDataException;

/** A bounded source of stored bytes, read one at a time; what {@link Varint#read} decodes from. */
public interface ByteSource {
    /** The next byte, 0 to 255; a {@link CorruptDataException} ("…: truncated …") when there is none. */
    int u8();

    /** The error for a flaw found at the current position, its message naming what is read and where. */
    CorruptDataException corrupt(String problem);
}
