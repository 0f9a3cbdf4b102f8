"""The violations layer: acts (what was done to whom, by whom, when and where) recorded from
the archive's documents, counted by type with their corroboration."""
