"""Datasets: created with presigned uploads, processed when the files arrive, given a ward TPR."""
