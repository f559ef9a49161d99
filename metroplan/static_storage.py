"""Static files in production: WhiteNoise's hashed, compressed storage, with
gzip only. Brotli at its default quality took most of collectstatic's time
(over 30 s for the ~40 MB of the admin, the API docs and the vendored
scripts); every browser takes gzip."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs):
        return super().create_compressor(**{**kwargs, "use_brotli": False})
