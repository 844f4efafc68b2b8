"""Course content as authored: course files (YAML or JSON) turned into CoursePublished data."""

from quizflow.content.loader import CourseFileError, load_course_file, sample_course_path

__all__ = ["CourseFileError", "load_course_file", "sample_course_path"]
