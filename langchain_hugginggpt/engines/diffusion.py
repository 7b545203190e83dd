"""The diffusers engine: text-to-image, image-to-image and editing, video, ControlNet generation.

Instruction-guided image editing (`image-editing`) runs InstructPix2Pix pipelines.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from langchain_hugginggpt.artifacts.outputs import media_bytes_output, pil_image_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.availability import model_ref, pick_device, weights_available
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.media_io import open_image
from langchain_hugginggpt.engines.shared import BUILD_LOCK, env_flag, model_lock, shared_cache
from langchain_hugginggpt.tasks import CONTROL_CONDITIONS

__all__ = ["DEFAULT_CONTROLNET_BASE", "DiffusersEngine"]

DEFAULT_CONTROLNET_BASE = "stable-diffusion-v1-5/stable-diffusion-v1-5"
_CONTROL_TASKS = {f"{c}-text-to-image" for c in CONTROL_CONDITIONS}
TASKS = {"text-to-image", "image-to-image", "image-editing", "text-to-video"} | _CONTROL_TASKS
_PIX2PIX_CHANNELS = 8
IMAGE_GUIDANCE = 1.5
"""How closely an InstructPix2Pix edit keeps to the source image (the pipeline's default)."""


class DiffusersEngine(Engine):
    """Runs diffusion pipelines from the Hub or local folders.

    Args:
        device: `auto` or a device name, as for the transformers engine.
        steps: denoising steps per image (`HUGGINGGPT_DIFFUSION_STEPS`, default 25).
        seed: seed of the random generator, so a run can be repeated.
        controlnet_base: the Stable Diffusion pipeline ControlNets attach to
            (`HUGGINGGPT_CONTROLNET_BASE`).
        allow_pickle: load `.bin`/`.ckpt` weights too; default `HUGGINGGPT_ALLOW_PICKLE`.
        cache: where loaded pipelines live; default the process-wide shared cache.
    """

    name = "diffusers"

    def __init__(
        self,
        *,
        device: str = "auto",
        steps: int | None = None,
        seed: int = 0,
        controlnet_base: str | None = None,
        allow_pickle: bool | None = None,
        cache: ModelCache | None = None,
    ) -> None:
        """Configure; nothing is loaded until a task runs."""
        self.device = device
        self.steps = (
            steps if steps is not None else int(os.environ.get("HUGGINGGPT_DIFFUSION_STEPS", "25"))
        )
        if self.steps < 1:
            raise ValueError(f"steps must be at least 1, got {self.steps}")
        self.seed = seed
        self.controlnet_base = controlnet_base or os.environ.get(
            "HUGGINGGPT_CONTROLNET_BASE", DEFAULT_CONTROLNET_BASE
        )
        self.allow_pickle = (
            env_flag("HUGGINGGPT_ALLOW_PICKLE") if allow_pickle is None else allow_pickle
        )
        self.cache = cache if cache is not None else shared_cache()

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """Local or auto mode, a generation task, a diffusers model, weights to be had."""
        if mode == "remote" or model.task not in TASKS:
            return False
        return model.library_name in (None, "diffusers") and weights_available(model)

    def run(self, request: EngineRequest) -> TaskOutput:
        """Load (or reuse) the pipeline and generate."""
        task = request.task.name
        ref = model_ref(request.model)
        device = pick_device(self.device)
        key = ("diffusers", ref, task, device)
        pipe = self.cache.get(key, lambda: self._load(task, ref, device))
        with model_lock(key):
            return self._generate(pipe, request, device)

    def _load(self, task: str, ref: str, device: str) -> Any:
        import diffusers

        options: dict[str, Any] = {"use_safetensors": None if self.allow_pickle else True}
        with BUILD_LOCK:
            return self._load_serially(diffusers, task, ref, device, options)

    def _load_serially(
        self, diffusers: Any, task: str, ref: str, device: str, options: dict[str, Any]
    ) -> Any:
        try:
            if task in _CONTROL_TASKS:
                controlnet = diffusers.ControlNetModel.from_pretrained(ref, **options)
                pipe = diffusers.StableDiffusionControlNetPipeline.from_pretrained(
                    self.controlnet_base, controlnet=controlnet, **options
                )
            elif task == "image-to-image":
                pipe = diffusers.AutoPipelineForImage2Image.from_pretrained(ref, **options)
            elif task == "image-editing":
                pipe = diffusers.StableDiffusionInstructPix2PixPipeline.from_pretrained(
                    ref, **options
                )
            else:
                pipe = diffusers.DiffusionPipeline.from_pretrained(ref, **options)
        except Exception as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "safetensors" in message.lower():
                message = (
                    "no safetensors weights; pickled weights are refused by default "
                    "(HUGGINGGPT_ALLOW_PICKLE=1 only for models you trust)"
                )
            raise EngineError(f"cannot load {ref}: {message}") from exc
        if task == "image-editing":
            _check_instruct_pix2pix(ref, pipe)
        pipe.set_progress_bar_config(disable=True)
        return pipe.to(device)

    def _generate(self, pipe: Any, request: EngineRequest, device: str) -> TaskOutput:
        import torch

        task = request.task.name
        prompt = request.inputs.get("text", "").strip()
        if not prompt and task != "image-to-image":
            raise EngineError(f"{task} needs argument 'text'")
        generator = torch.Generator(device="cpu").manual_seed(self.seed)
        common = {"num_inference_steps": self.steps, "generator": generator}
        if task == "text-to-video":
            frames = pipe(prompt, **common).frames[0]
            return media_bytes_output(request.run_dir, _mp4(frames), f"video of: {prompt}")
        if task == "text-to-image":
            image = pipe(prompt, **common).images[0]
            return pil_image_output(request.run_dir, image, f"image of: {prompt}")
        source = open_image(request.inputs.get("image", ""), task)
        if task == "image-to-image":
            image = pipe(prompt=prompt or "", image=source, **common).images[0]
            return pil_image_output(request.run_dir, image, f"transformed image: {prompt}")
        if task == "image-editing":
            image = pipe(
                prompt, image=source, image_guidance_scale=IMAGE_GUIDANCE, **common
            ).images[0]
            return pil_image_output(request.run_dir, image, f"edited image: {prompt}")
        image = pipe(prompt, image=source, **common).images[0]
        return pil_image_output(request.run_dir, image, f"image of: {prompt} (guided by {task})")


def _check_instruct_pix2pix(ref: str, pipe: Any) -> None:
    """An InstructPix2Pix UNet reads the noisy latents and the source image's: 8 channels."""
    channels = getattr(getattr(getattr(pipe, "unet", None), "config", None), "in_channels", None)
    if channels != _PIX2PIX_CHANNELS:
        raise EngineError(
            f"{ref} is not an InstructPix2Pix model: its UNet reads {channels} latent channels, "
            f"instruction-guided editing needs {_PIX2PIX_CHANNELS}"
        )


def _mp4(frames: Any) -> bytes:
    from diffusers.utils import export_to_video

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "video.mp4"
        try:
            export_to_video(frames, str(target), fps=8)
        except ImportError as exc:
            raise EngineError(
                "writing video needs imageio with ffmpeg: pip install 'imageio[ffmpeg]'"
            ) from exc
        return target.read_bytes()
