from enum import StrEnum


class EmbeddedModelSchemaSemanticVersionEnum(StrEnum):
    MAJOR_0_MINOR_0_PATCH_1 = "MAJOR_0_MINOR_0_PATCH_1"

    def __str__(self) -> str:
        return str(self.value)
