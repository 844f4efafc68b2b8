"""Settings read from the environment: the base of every group of ``QUIZFLOW_*`` settings.

Each group is a pydantic-settings model read at call time (``read_environment``), so a changed
environment counts from the next call. Its fields name their variable (``validation_alias``,
matched case-sensitively, as the shell does) and say what they accept (``description``); an
empty variable counts as unset. A bad value becomes one sentence naming the variable and what it
accepts, instead of a validation report.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Defined beside the core settings, which the CLI imports without pydantic.
from quizflow.settings import SettingError as SettingError


class EnvironmentSettings(BaseSettings):
    model_config = SettingsConfigDict(
        case_sensitive=True,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, values: Any) -> Any:
        # "X= " as much as "X=": the default. Other values are kept as given (a password may
        # end in a space); the types below trim where a word is read.
        if not isinstance(values, dict):
            return values
        return {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}


def _trimmed(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _lowered(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


# A value read as a word, spaces around it ignored (numbers are already read that way).
Trimmed = BeforeValidator(_trimmed)
# A word from a fixed list (``Literal``), in any case: ``QUIZFLOW_WAREHOUSE=Lake`` means lake.
AnyCase = BeforeValidator(_lowered)
# true/false, yes/no, on/off, 1/0, in any case.
Flag = Annotated[bool, Trimmed]

Model = TypeVar("Model", bound=EnvironmentSettings)


def read_environment(model: type[Model]) -> Model:
    """``model`` with the values of the environment now; ``SettingError`` when one is bad."""
    try:
        return model()
    except ValidationError as error:
        # One sentence per bad variable (a union type may report one problem per member).
        sentences: dict[object, str] = {}
        for problem in error.errors():
            sentences.setdefault(problem["loc"][:1], _sentence(model, problem))
        raise SettingError("; ".join(sentences.values())) from None


def _sentence(model: type[EnvironmentSettings], problem: Any) -> str:
    if not problem["loc"]:  # a rule across settings (a model validator): its own sentence
        return str(problem["ctx"]["error"]) if "ctx" in problem else str(problem["msg"])
    variable = str(problem["loc"][0])
    accepted = next(
        (
            field.description
            for field in model.model_fields.values()
            if field.validation_alias == variable and field.description
        ),
        None,
    )
    if accepted is None:
        return f"{variable}: {problem['msg']}, got {problem['input']!r}"
    return f"{variable} must be {accepted}, got {problem['input']!r}"
