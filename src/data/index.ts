/** `data`: datasets, the DataLoader, splits (random, group, time) and toy datasets. */
export { Dataset, TensorDataset, Subset } from "./dataset.js";
export { DataLoader, type DataLoaderOptions } from "./dataloader.js";
