from enum import StrEnum


class PlatformEnum(StrEnum):
    ANDROID = "ANDROID"
    FUCHSIA = "FUCHSIA"
    IOS = "IOS"
    LINUX = "LINUX"
    MACOS = "MACOS"
    UNKNOWN = "UNKNOWN"
    WEB = "WEB"
    WINDOWS = "WINDOWS"

    def __str__(self) -> str:
        return str(self.value)
