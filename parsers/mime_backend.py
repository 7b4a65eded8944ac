"""Which library splits MIME for the parser, decided on measurement, not taste."""

# fast-mail-parser (Rust) walks the shared corpus about 10x faster but is not adopted: it
# loses whole messages on bad base64, leaves RFC 2047 subjects undecoded, misreads bare-CR
# headers and finds other body text (bench/peers/mime_backends.py; its test pins this).
FAST_MAIL_PARSER = False
