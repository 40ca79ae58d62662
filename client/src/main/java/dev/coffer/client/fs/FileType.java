package dev.coffer.client.fs;

/** The kinds of filesystem entries. */
public enum FileType { FILE, DIRECTORY, SYMLINK, FIFO, CHAR_DEVICE, BLOCK_DEVICE, SOCKET }
