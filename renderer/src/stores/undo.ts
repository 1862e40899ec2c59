/** Photos decided in this session, newest last: Z takes back the newest decision, wherever it was made. */
export const decidedPhotos: number[] = [];
