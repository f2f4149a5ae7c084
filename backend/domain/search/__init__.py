"""Message search, engine-independent: one normaliser whose terms every engine indexes verbatim.

Neither engine's own analysis is used: the Elasticsearch node built from Maven jars has no
`russian`, `english` or `cjk` analyzer and no ICU, and SQLite's tokenizers know no stemming. So the
domain turns text into space-separated terms here, and both engines index them with a plain
whitespace tokenizer; the same query then finds the same messages on both.
"""
