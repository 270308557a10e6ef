/** A lazily loaded chunk, fetched again after a pause: on a flaky link it usually arrives the next time. */

const PAUSES_MS = [1000, 3000];

export async function retrying<T>(load: () => Promise<T>, pauses = PAUSES_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await load();
    } catch (error) {
      if (attempt >= pauses.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauses[attempt]));
    }
  }
}
