"""Response documents of the HTTP API (pydantic models: they are the OpenAPI docs too)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Alternative(BaseModel):
    text: str
    score: float


class Word(BaseModel):
    word: str
    start: float = Field(description="seconds from the start of the audio")
    end: float = Field(description="seconds from the start of the audio")


class Transcript(BaseModel):
    text: str = Field(description='the best transcript ("" for silence)')
    words: list[Word]
    duration: float = Field(description="seconds of audio")
    score: float
    nbest: list[Alternative] = Field(description="alternatives, best first")


class InkSpan(BaseModel):
    text: str
    start_point: int = Field(description="first point (index over all points, file order)")
    end_point: int = Field(description="one past the last point")
    start_time: float
    end_time: float


class Spans(BaseModel):
    chars: list[InkSpan] = Field(description="each recognised character (spaces left out)")
    words: list[InkSpan]


class Recognition(BaseModel):
    text: str
    score: float
    nbest: list[Alternative] = Field(description="alternatives, best first")
    spans: Spans
    points: int = Field(description="number of ink points the spans index into")


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str


class Error(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: str
    models: dict[str, bool]
    queue: dict[str, int]
