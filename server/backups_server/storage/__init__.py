"""Where the bytes live: the byte store (folder, S3), the layout and format, codecs, the listing cache."""
