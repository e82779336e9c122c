// Every file of these tests sees the shared test support (models, goldens, the binary).
@_exported import TestSupport
