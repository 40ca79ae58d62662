package dev.coffer.core.format;

/** Content-defined (offsets recorded) or fixed-size chunks. */
public enum IndexType { DYNAMIC, FIXED }
