/**
 * The course the lab follows: 24 lectures along the arc the first lecture draws, from
 * foundations to efficient inference. Every page names its stage, so the index can place it
 * on the map, and a page for a later lecture joins the map by saying where it belongs.
 */
export const LECTURE_COUNT = 24;

/** The arc, in the lecture's order ("Foundations → optimization → … → efficient inference"). */
export const STAGES = [
  { id: "foundations", title: "Foundations", gist: "neurons, layers, softmax, backprop" },
  { id: "optimization", title: "Optimization", gist: "making deep networks train" },
  { id: "regularization", title: "Regularization", gist: "models that generalise, honest evaluation" },
  { id: "cnns", title: "CNNs", gist: "convolutions and LeNet" },
  { id: "detection", title: "Detection", gist: "finding objects in images" },
  { id: "sequences", title: "Sequences", gist: "RNNs, LSTMs" },
  { id: "attention", title: "Attention", gist: "weighting what matters" },
  { id: "transformers", title: "Transformers", gist: "attention all the way down" },
  { id: "llms", title: "LLMs", gist: "language models at scale" },
  { id: "vision-language", title: "Vision-language", gist: "images and text together" },
  { id: "vaes", title: "VAEs", gist: "learning to generate, with a latent space" },
  { id: "gans", title: "GANs", gist: "generator versus discriminator" },
  { id: "diffusion", title: "Diffusion", gist: "generating by denoising" },
  { id: "efficient-inference", title: "Efficient inference", gist: "smaller, faster models" },
] as const;

export type StageId = (typeof STAGES)[number]["id"];
