from tests.model.fixtures import bitext_sample, tiny_base, tiny_export, tiny_run

__all__ = ["bitext_sample", "tiny_base", "tiny_export", "tiny_run"]
